"""A PostgreSQL primary and a streaming hot standby for the tests: palaver.topology's, which
`make cluster` starts too."""

from palaver.topology import ReplicatedPostgres, free_port

__all__ = ["ReplicatedPostgres", "free_port"]

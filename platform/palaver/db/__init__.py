"""The database backend (ENGINE = "palaver.db"): django-tenants' PostgreSQL backend with a
schema editor that keeps migrations Citus-clean (docs/scaling.md)."""

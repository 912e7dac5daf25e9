"""Benchmarks: `make bench` (bench/run.py) and `make bench-tenants` (bench/tenants.py).

See docs/performance.md for what they measure and the figures they gave.
"""

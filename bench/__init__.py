"""Benchmarks run against real services (PostgreSQL, Redis, Celery workers). See README.md."""

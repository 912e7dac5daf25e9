"""pytest plugin (`-p palaver.testing` in pyproject.toml): services before settings.

Settings only read the environment, so the test run's entry point has to provide the
database and Redis first. pytest-django imports settings while pytest loads the initial
conftests; this hook runs before it and, with DATABASE_URL / REDIS_URL unset, starts (or
reuses) the embedded servers and exports their URLs (palaver.devservices).
"""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    from palaver.devservices import ensure_environment

    ensure_environment()

#!/usr/bin/env python
"""Django's command-line utility for Palaver.

The project package `palaver` lives in platform/palaver and is installed with the project
(`pip install -e .`, see pyproject.toml), so it imports from anywhere. With DATABASE_URL /
REDIS_URL unset, the embedded PostgreSQL and Redis are started (or reused) first.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palaver.settings")
    from django.core.management import execute_from_command_line

    from palaver.devservices import ensure_environment

    ensure_environment()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

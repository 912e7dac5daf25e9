#!/usr/bin/env python
"""Django's command-line utility for Palaver.

The Django project package lives in platform/palaver; platform/ is not a package itself
(`platform` is a stdlib module), so it is put on sys.path here.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "platform"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palaver.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

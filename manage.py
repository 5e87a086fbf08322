#!/usr/bin/env python
"""Django's command-line utility for Federation Registry."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)
    except OperationalError as exc:
        # An unreachable database is an operator's problem, not a traceback.
        sys.stderr.write(
            f"Error: the database could not be reached ({exc}).\n"
            "Check DATABASE_URL and that the database server is running.\n"
        )
        sys.exit(2)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codeshare.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    # Django's command line reads the settings quietly and, when they fail,
    # goes on to an unrelated "Models aren't loaded yet"; say what is wrong.
    try:
        settings.INSTALLED_APPS  # noqa: B018 - reading them loads them
    except ImproperlyConfigured as error:
        sys.exit(f"codeshare's settings are not usable: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

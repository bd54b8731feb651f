"""A throwaway PostgreSQL database for a benchmark, and Django set up on it."""

import contextlib
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://root@127.0.0.1:5432/root"


def with_database(url, name):
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin_connection(url):
    return psycopg.connect(
        url.replace("postgres://", "postgresql://", 1), autocommit=True
    )


@contextlib.contextmanager
def scratch_database(name):
    """Yield the URL of a new, empty database; drop it afterwards."""
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    with admin_connection(base_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(base_url, name)
    finally:
        with admin_connection(base_url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url, **environment):
    """Point this process's Django at ``url`` and set it up."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "codeshare.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

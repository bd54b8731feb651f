"""A throwaway PostgreSQL database, Django on it, and gunicorn serving it."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
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


@contextlib.contextmanager
def existing_database(name):
    """Yield the URL of the database ``name``, which must exist; keep it."""
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    with admin_connection(base_url) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    if found is None:
        raise SystemExit(f"There is no database {name!r}.")
    yield with_database(base_url, name)


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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url, port, workers, **environment):
    """Serve codeshare against ``url`` on 127.0.0.1:``port``; the process."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    # A file, not a pipe: a pipe nobody reads fills up and stalls the workers.
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "codeshare/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        text=True,
    )
    server.errors = errors
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    errors.seek(0)
    raise SystemExit("gunicorn did not start: " + errors.read())


def stop_gunicorn(server):
    """Stop gunicorn; what it wrote to stderr, for a benchmark to look at."""
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    server.errors.seek(0)
    written = server.errors.read()
    server.errors.close()
    return written


def session_keys(users, hours=2):
    """A signed-in session for each of ``users``; their keys, in that order.

    Written straight to the session table, as a login leaves them, so that
    the clients skip the login form and its deliberately slow hashing.
    """
    import datetime

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.backends import AccountBackend

    backend = f"{AccountBackend.__module__}.{AccountBackend.__qualname__}"
    store = SessionStore()
    expire = timezone.now() + datetime.timedelta(hours=hours)
    sessions = [
        Session(
            session_key=store._get_new_session_key(),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expire,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions)
    return [session.session_key for session in sessions]

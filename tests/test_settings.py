import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from codeshare import env
from tests.test_healthz import run_django

BASE_ENV = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "test"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("CONN_MAX_AGE", "sixty"),
        ("CONN_MAX_AGE", "-1"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "postgres://root@127.0.0.1:port/x"),
        ("EMAIL_URL", "pigeon://loft"),
        ("EMAIL_PORT", "25x"),
        ("SESSION_HOURS", "0"),
        ("SECURE_HSTS_SECONDS", "a year"),
    ],
)
def test_settings_refuse_a_malformed_value(name, value):
    result = run_django({**BASE_ENV, name: value}, "pass")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_settings_refuse_to_start_without_a_secret_key_in_production():
    result = run_django({"PATH": "/usr/bin:/bin"}, "pass")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_command_without_a_secret_key_says_so():
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_read_good_values():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    values = {
        "DEBUG": "off",
        "ALLOWED_HOSTS": "codes.example.org, www.example.org",
        "EMAIL_URL": "smtp+tls://user:p%40ss@mail.example.org:587",
    }

    result = run_django({**BASE_ENV, **values}, code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "False ['codes.example.org', 'www.example.org'] mail.example.org 587 True"
    )


@pytest.mark.parametrize("value", ["1", "true", "Yes", "on"])
def test_env_bool_reads_true_words(monkeypatch, value):
    monkeypatch.setenv("FLAG", value)

    assert env.env_bool("FLAG") is True


def test_env_int_names_the_variable(monkeypatch):
    monkeypatch.setenv("WORKERS", "many")

    with pytest.raises(ImproperlyConfigured, match="WORKERS must be an integer"):
        env.env_int("WORKERS")


def test_sqlite_is_the_default_with_concurrency_options(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['OPTIONS']['transaction_mode'], d['OPTIONS']['timeout'])"
    )

    result = run_django(BASE_ENV, code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "django.db.backends.sqlite3 IMMEDIATE 20"


@pytest.mark.parametrize(
    ("redis_url", "engine"),
    [
        ("", "django.contrib.sessions.backends.db"),
        ("redis://127.0.0.1:6379/0", "django.contrib.sessions.backends.cached_db"),
    ],
)
def test_sessions_are_cached_only_in_a_shared_cache(redis_url, engine):
    """A per-process cache would keep a signed-out session alive elsewhere."""
    code = "from django.conf import settings as s; print(s.SESSION_ENGINE)"

    result = run_django({**BASE_ENV, "REDIS_URL": redis_url}, code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine


@pytest.mark.parametrize(
    ("environment", "seconds"),
    [
        ({"REDIS_URL": ""}, "0"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "300"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0", "FIGURE_CACHE_SECONDS": "0"}, "0"),
        ({"REDIS_URL": "", "FIGURE_CACHE_SECONDS": "60"}, "60"),
    ],
)
def test_the_dashboard_is_kept_by_default_only_in_a_shared_cache(environment, seconds):
    """A per-process cache would not hear of the figures other workers change."""
    code = "from django.conf import settings as s; print(s.FIGURE_CACHE_SECONDS)"

    result = run_django({**BASE_ENV, **environment}, code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == seconds


def test_a_negative_figure_cache_time_stops_the_start():
    code = "from django.conf import settings as s; print(s.FIGURE_CACHE_SECONDS)"

    result = run_django({**BASE_ENV, "FIGURE_CACHE_SECONDS": "-1"}, code)

    assert result.returncode != 0
    assert "FIGURE_CACHE_SECONDS must be at least 0" in result.stderr

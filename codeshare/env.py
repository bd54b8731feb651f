"""Typed readers for settings that come from the environment.

Each helper returns the default when the variable is unset or empty and
raises ``ImproperlyConfigured`` when it is set to something it cannot parse,
so that a typo in a deployment stops the process at start-up instead of
running with a silently different configuration.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def _raw(name):
    value = os.environ.get(name, "").strip()
    return value or None


def env_str(name, default=""):
    value = _raw(name)
    return default if value is None else value


def env_bool(name, default=False):
    value = _raw(name)
    if value is None:
        return default

    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of {sorted(TRUE_WORDS | FALSE_WORDS)}, not {value!r}."
    )


def env_int(name, default=0, *, minimum=None):
    value = _raw(name)
    if value is None:
        return default

    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name, default=()):
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_database(name, default, *, conn_max_age=0):
    """Parse a database URL such as ``postgres://user@host:5432/db``."""
    url = env_str(name, default)
    try:
        config = dj_database_url.parse(
            url, conn_max_age=conn_max_age, conn_health_checks=conn_max_age > 0
        )
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name} is not a database URL: {exc}")
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name} names no known database engine.")
    return config


def env_email(name):
    """Parse ``smtp://user:password@host:port`` (``smtp+tls``, ``smtp+ssl``)."""
    from urllib.parse import unquote, urlsplit

    url = _raw(name)
    if url is None:
        return {}

    parts = urlsplit(url)
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(
            f"{name} must start with one of {sorted(backends)}, not {url!r}."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a malformed port.")

    config = {"EMAIL_BACKEND": backends[parts.scheme]}
    if parts.hostname:
        config["EMAIL_HOST"] = parts.hostname
    if port:
        config["EMAIL_PORT"] = port
    if parts.username:
        config["EMAIL_HOST_USER"] = unquote(parts.username)
    if parts.password:
        config["EMAIL_HOST_PASSWORD"] = unquote(parts.password)
    config["EMAIL_USE_TLS"] = parts.scheme == "smtp+tls"
    config["EMAIL_USE_SSL"] = parts.scheme == "smtp+ssl"
    return config

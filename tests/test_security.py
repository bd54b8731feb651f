"""Abuse limits, headers and the production configuration."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client

from accounts.models import User
from codeshare import settings as project_settings
from requests_app.models import CodeRequest
from tests.factories import PASSWORD
from tests.test_healthz import run_django

LOGIN = "/accounts/login/"


def fail_logins(client, email, times, address="10.0.0.1"):
    for _ in range(times):
        client.post(
            LOGIN, {"username": email, "password": "wrong"}, REMOTE_ADDR=address
        )


def test_five_failures_lock_the_account_from_that_address(reader):
    client = Client()
    fail_logins(client, reader.email, 5)

    response = client.post(
        LOGIN, {"username": reader.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )

    assert response.status_code == 429
    assert "Sign-in paused" in response.text
    assert "Try again after" in response.text
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(reader):
    client = Client()
    fail_logins(client, reader.email, 4)

    response = client.post(
        LOGIN, {"username": reader.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_the_lockout_counts_the_account_in_any_case(reader):
    client = Client()
    fail_logins(client, reader.email.upper(), 3)
    fail_logins(client, reader.email, 2)

    response = client.post(
        LOGIN, {"username": reader.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )

    assert response.status_code == 429


def test_the_lockout_spares_other_addresses_and_accounts(reader, other_reader):
    fail_logins(Client(), reader.email, 5)

    elsewhere = Client().post(
        LOGIN, {"username": reader.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    other_account = Client().post(
        LOGIN,
        {"username": other_reader.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )

    assert elsewhere.status_code == 302
    assert other_account.status_code == 302


def test_the_lockout_ends_after_the_cooloff(reader, settings):
    fail_logins(Client(), reader.email, 5)
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC)
        - settings.AXES_COOLOFF_TIME
        - datetime.timedelta(seconds=1)
    )

    response = Client().post(
        LOGIN, {"username": reader.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )

    assert response.status_code == 302


def test_the_client_address_comes_from_the_proxy_when_one_is_configured(
    reader, settings
):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    client = Client()
    for _ in range(5):
        client.post(
            LOGIN,
            {"username": reader.email, "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7, 127.0.0.1",
        )

    other_person = client.post(
        LOGIN,
        {"username": reader.email, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.8, 127.0.0.1",
    )

    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    assert other_person.status_code == 302


def test_registration_is_rate_limited_per_address(anonymous_client, library, settings):
    settings.REGISTRATIONS_PER_HOUR = 2
    data = {"email": "x", "full_name": "", "home_library": library.pk}

    statuses = [
        anonymous_client.post("/accounts/register/", data).status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_request_submission_is_rate_limited_per_reader(reader_client, settings):
    settings.REQUESTS_PER_HOUR = 2
    data = {"library": "", "card_number": ""}

    statuses = [
        reader_client.post("/requests/new/", data).status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]
    assert not CodeRequest.objects.exists()


def test_passwords_are_hashed_with_argon2(anonymous_client, library, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS

    anonymous_client.post(
        "/accounts/register/",
        {
            "email": "argon@example.test",
            "full_name": "Argon Reader",
            "home_library": library.pk,
            "card_number": "A-1",
            "password1": "Zakładka-2026-wiosna",
            "password2": "Zakładka-2026-wiosna",
        },
    )

    assert User.objects.get(email="argon@example.test").password.startswith("argon2")


def test_a_session_lasts_less_than_two_weeks():
    assert project_settings.SESSION_COOKIE_AGE < 14 * 24 * 3600


@pytest.mark.parametrize("path", ["/accounts/login/", "/requests/"])
def test_every_page_carries_the_security_headers(reader_client, path):
    response = reader_client.get(path)

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "SECRET_KEY": "a-long-random-production-secret-key-with-50-plus-characters-0123",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "codes.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://codes.example.org",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_PROXY_SSL_HEADER": "https",
}


def test_check_deploy_is_silent_with_the_production_environment():
    code = (
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )

    result = run_django(PRODUCTION_ENV, code)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr

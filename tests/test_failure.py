"""The database going away, a refusing mail server, and what the logs keep."""

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from requests_app.models import RequestStatus
from tests import factories
from tests.test_healthz import NO_DATABASE_ENV, run_django

PAGE_PROBE = (
    "from django.test import Client; "
    "response = Client(raise_request_exception=False).post("
    "'/accounts/login/', {'username': 'a@b.test', 'password': 'x'}); "
    "print(response.status_code, response['Retry-After'], "
    "'back in a moment' in response.content.decode())"
)


def test_pages_answer_a_plain_503_when_the_database_is_gone():
    result = run_django(NO_DATABASE_ENV, PAGE_PROBE)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "503 30 True"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL to cut connections"
)
def test_the_portal_recovers_without_a_restart_when_connections_are_cut():
    port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "test",
        "DEBUG": "false",
        "DATABASE_URL": "postgres://root@127.0.0.1:5432/postgres",
        "CONN_MAX_AGE": "600",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "codeshare/gunicorn.conf.py"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        for _ in range(100):
            try:
                if get_status(url) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        with psycopg.connect("postgresql://root@127.0.0.1:5432/root") as admin:
            cut = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = 'postgres' AND pid <> pg_backend_pid()"
            ).fetchone()[0]

        after = [get_status(url) for _ in range(3)]
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert cut >= 1
    assert after == [200, 200, 200]


def test_a_failed_mail_is_shown_to_the_librarian(librarian_client, reader, library):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)
    librarian_client.post(
        f"/library/requests/{code_request.pk}/",
        {"action": "reject", "reason": "Card expired."},
    )
    code_request.refresh_from_db()
    code_request.mail_failed_at = code_request.decided_at
    code_request.save()

    response = librarian_client.get(f"/library/requests/{code_request.pk}/")

    assert "could not be sent" in response.text
    assert code_request.status == RequestStatus.REJECTED


def test_logs_keep_ids_never_emails_cards_or_codes(
    reader_client,
    librarian_client,
    reader,
    librarian,
    library,
    caplog,
    django_capture_on_commit_callbacks,
):
    code = factories.CodeFactory(batch=factories.CodeBatchFactory(library=library))

    with (
        caplog.at_level(logging.DEBUG),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reader_client.post(
            "/requests/new/", {"library": library.pk, "card_number": "SECRET-CARD-77"}
        )
        request_id = reader.code_requests.get().pk
        librarian_client.post(f"/library/requests/{request_id}/", {"action": "approve"})
        reader_client.get(f"/requests/{request_id}/")

    logged = caplog.text
    assert f"Request {request_id}: approved" in logged
    for secret in [reader.email, librarian.email, "SECRET-CARD-77", code.value]:
        assert secret not in logged

import subprocess
import sys

from django.conf import settings

PROBE = (
    "from django.test import Client; "
    "response = Client().get('/healthz'); "
    "print(response.status_code, response.content.decode().strip())"
)


# A production-like process whose database refuses every connection: nothing
# listens on port 9.
NO_DATABASE_ENV = {
    "PATH": "/usr/bin:/bin",
    "SECRET_KEY": "test",
    "ALLOWED_HOSTS": "testserver",
    "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
    "CONN_MAX_AGE": "0",
}


def run_django(env, code):
    """Run ``code`` in a fresh Django process with only ``env`` set."""
    setup = (
        "import django, os; "
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'codeshare.settings'); "
        "django.setup(); "
    )
    return subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_healthz_answers_200_when_the_database_answers(anonymous_client, db):
    response = anonymous_client.get("/healthz")

    assert response.status_code == 200
    assert response.text == "ok\n"


def test_healthz_answers_503_when_the_database_does_not():
    result = run_django(NO_DATABASE_ENV, PROBE)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "503 database unavailable"

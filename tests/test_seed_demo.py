import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import Library, User

DEMO_EMAILS = {
    "empik@demo.test": "/empik/",
    "librarian@demo.test": "/library/",
    "librarian-north@demo.test": "/library/",
    "reader@demo.test": "/requests/",
    "reader2@demo.test": "/requests/",
}


def test_seed_demo_refuses_with_debug_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("seed_demo", password="demo-pass-2026")

    assert not User.objects.exists()


def test_seed_demo_makes_the_demo_world_and_is_idempotent(db, settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo", password="demo-pass-2026")
    call_command("seed_demo", password="demo-pass-2026")

    assert set(Library.objects.values_list("slug", flat=True)) == {
        "demo",
        "demo-north",
    }
    assert set(User.objects.values_list("email", flat=True)) == set(DEMO_EMAILS)
    assert User.objects.get(email="librarian-north@demo.test").library.slug == (
        "demo-north"
    )
    assert "demo-pass-2026" in capsys.readouterr().out


def test_each_demo_account_signs_in_to_its_start_page(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-pass-2026")

    landed = {}
    for email in DEMO_EMAILS:
        client = Client()
        client.post(
            "/accounts/login/", {"username": email, "password": "demo-pass-2026"}
        )
        landed[email] = client.get("/").url

    assert landed == DEMO_EMAILS


def test_seed_demo_prints_a_random_password_when_none_is_given(db, settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")

    out = capsys.readouterr().out
    password = out.split("password ", 1)[1].split(":", 1)[0]
    assert User.objects.get(email="reader@demo.test").check_password(password)

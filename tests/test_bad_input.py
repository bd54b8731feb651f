"""Hostile input on every form: a form error, never a 500, nothing saved."""

import pytest

from accounts.models import User
from requests_app.models import CodeRequest, RequestEvent
from tests import factories

HOSTILE_VALUES = [
    "",
    " ",
    "x" * 10_000,
    "\x00",
    "ab\x00cd",
    "\x1b[31mred",
    "\u202etxt.exe",
    "😀" * 40,
    "Zażółć gęślą jaźń",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "-1",
    "99999999999999999999999999",
    "1e309",
]


def shapes(fields):
    """Each field given each hostile value, and each field left out."""
    for name in fields:
        for value in HOSTILE_VALUES:
            yield {**{f: "ok" for f in fields}, name: value}
        yield {f: "ok" for f in fields if f != name}
    yield {name: ["a", "b"] for name in fields}


def assert_no_server_error(response):
    assert response.status_code < 500, response.content[:500]


REGISTRATION_FIELDS = [
    "email",
    "full_name",
    "home_library",
    "card_number",
    "password1",
    "password2",
]


@pytest.mark.parametrize("data", list(shapes(REGISTRATION_FIELDS)))
def test_registration(anonymous_client, library, data, settings):
    settings.REGISTRATIONS_PER_HOUR = 10_000
    users = User.objects.count()

    response = anonymous_client.post("/accounts/register/", data)

    assert_no_server_error(response)
    assert User.objects.count() == users


@pytest.mark.parametrize("data", list(shapes(["username", "password"])))
def test_login(anonymous_client, reader, data):
    response = anonymous_client.post("/accounts/login/", data)

    assert_no_server_error(response)
    assert "_auth_user_id" not in anonymous_client.session


@pytest.mark.parametrize("data", list(shapes(["library", "card_number"])))
def test_request_form(reader_client, data, settings):
    settings.REQUESTS_PER_HOUR = 10_000

    response = reader_client.post("/requests/new/", data)

    assert_no_server_error(response)
    assert not CodeRequest.objects.exists()


@pytest.mark.parametrize("data", list(shapes(["action", "reason"])))
def test_review_form(librarian_client, reader, library, data):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    response = librarian_client.post(f"/library/requests/{code_request.pk}/", data)

    assert_no_server_error(response)
    code_request.refresh_from_db()
    if data.get("action") != "reject" or not str(data.get("reason", "")).strip():
        assert code_request.status == "pending"
    assert RequestEvent.objects.filter(request=code_request).count() <= 1


@pytest.mark.parametrize(
    "data", list(shapes(["full_name", "home_library", "card_number"]))
)
def test_profile_form(reader_client, reader, data):
    before = User.objects.values().get(pk=reader.pk)

    response = reader_client.post("/accounts/profile/", data)

    assert_no_server_error(response)
    if response.status_code == 200:
        assert User.objects.values().get(pk=reader.pk) == before


@pytest.mark.parametrize("data", list(shapes(["email"])))
def test_password_reset_form(anonymous_client, data):
    response = anonymous_client.post("/accounts/password_reset/", data)

    assert_no_server_error(response)


@pytest.mark.parametrize(
    ("client_name", "path", "field"),
    [
        ("anonymous_client", "/accounts/register/", "email"),
        ("anonymous_client", "/accounts/login/", "username"),
        ("reader_client", "/requests/new/", "card_number"),
        ("reader_client", "/accounts/profile/", "full_name"),
    ],
)
def test_bytes_that_are_not_utf8(request, library, client_name, path, field):
    client = request.getfixturevalue(client_name)
    body = f"{field}=%ED%A0%80%FF&library={library.pk}&home_library={library.pk}"

    response = client.post(path, body, content_type="application/x-www-form-urlencoded")

    assert_no_server_error(response)
    assert not CodeRequest.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/library/?status=%00&search=" + "x" * 5000,
        "/library/?asked_from=2026-13-45&asked_to=yesterday",
        "/library/?sort=reader__password",
        "/library/?page=-1",
        "/library/?page=999999",
        "/library/codes/?status=nope&value=%F0%9F%98%80",
        "/requests/?page=abc",
    ],
)
def test_list_filters(librarian_client, reader_client, path):
    client = reader_client if path.startswith("/requests/") else librarian_client

    response = client.get(path)

    assert_no_server_error(response)


@pytest.mark.parametrize("path", ["/requests/0/", "/requests/99999999999999999999/"])
def test_odd_ids(reader_client, path):
    response = reader_client.get(path)

    assert response.status_code == 404

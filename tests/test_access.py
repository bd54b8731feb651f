"""Who may open what: every URL, every member of the cast, one answer each.

A new URL without a row here fails ``test_every_url_has_a_row``.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories

CAST = [
    "anonymous",
    "reader",
    "other_reader",
    "librarian",
    "other_librarian",
    "provider",
    "superuser",
]

# Answers: a status code, "login" (redirect to the sign-in page), "admin login"
# (redirect to the admin's), or "home" (any other redirect).
L, AL, H = "login", "admin login", "home"

# path (with {request} for the reader's request) -> answers in CAST order.
ACCESS = {
    "/": (L, H, H, H, H, H, H),
    "/healthz": (200,) * 7,
    "/accounts/login/": (200, H, H, H, H, H, H),
    "/accounts/logout/": (405,) * 7,
    "/accounts/register/": (200, H, H, H, H, H, H),
    "/accounts/profile/": (L, 200, 200, 200, 200, 200, 200),
    "/accounts/password_reset/": (200,) * 7,
    "/accounts/password_reset/done/": (200,) * 7,
    "/accounts/reset/MQ/not-a-token/": (200,) * 7,
    "/accounts/reset/done/": (200,) * 7,
    "/accounts/password_change/": (L, 200, 200, 200, 200, 200, 200),
    "/accounts/password_change/done/": (L, 200, 200, 200, 200, 200, 200),
    "/requests/": (L, 200, 200, 403, 403, 403, 403),
    "/requests/new/": (L, 200, 200, 403, 403, 403, 403),
    "/requests/{request}/": (L, 200, 404, 403, 403, 403, 403),
    "/requests/{request}/cancel/": (405,) * 7,
    "/library/": (L, 403, 403, 200, 200, 403, 403),
    "/library/requests/{request}/": (L, 403, 403, 200, 404, 403, 403),
    "/library/codes/": (L, 403, 403, 200, 200, 403, 403),
    "/empik/": (L, 403, 403, 403, 403, 200, 403),
    "/empik/codes/export/": (L, 403, 403, 403, 403, 200, 403),
    "/empik/codes/export/?format=xlsx": (L, 403, 403, 403, 403, 200, 403),
    "/empik/codes/redeem/": (L, 403, 403, 403, 403, 200, 403),
    "/empik/codes/void/": (L, 403, 403, 403, 403, 200, 403),
    "/admin/": (AL, AL, AL, AL, AL, 200, 200),
    "/admin/codes/code/": (AL, AL, AL, AL, AL, 200, 200),
    "/admin/codes/codebatch/": (AL, AL, AL, AL, AL, 200, 200),
    "/admin/codes/code/import/": (AL, AL, AL, AL, AL, 200, 200),
    "/admin/codes/code/process_import/": (AL, AL, AL, AL, AL, 405, 405),
    "/admin/accounts/user/": (AL, AL, AL, AL, AL, 403, 200),
    "/admin/accounts/library/": (AL, AL, AL, AL, AL, 200, 200),
    "/admin/auth/group/": (AL, AL, AL, AL, AL, 403, 200),
    "/i18n/setlang/": (H,) * 7,
}

# Pages that change state: POST only, with a CSRF token.
STATE_CHANGING = [
    "/accounts/logout/",
    "/accounts/register/",
    "/accounts/profile/",
    "/requests/new/",
    "/requests/{request}/cancel/",
    "/library/requests/{request}/",
    "/empik/codes/redeem/",
    "/empik/codes/void/",
    "/admin/codes/code/import/",
    "/admin/codes/code/process_import/",
    "/i18n/setlang/",
]


@pytest.fixture
def world(reader, library):
    return {"request": factories.CodeRequestFactory(reader=reader, library=library).pk}


def answer(response):
    if response.status_code != 302:
        return response.status_code
    if response.url.startswith("/admin/login/"):
        return AL
    if response.url.startswith("/accounts/login/"):
        return L
    return H


ROWS = [
    (path, role, expected)
    for path, row in ACCESS.items()
    for role, expected in zip(CAST, row, strict=True)
]


@pytest.mark.parametrize(("path", "role", "expected"), ROWS)
def test_access(request, world, path, role, expected):
    client = request.getfixturevalue(f"{role}_client")

    response = client.get(path.format(**world))

    assert answer(response) == expected


def routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def as_route(path):
    path = path.split("?")[0].lstrip("/")
    return path.replace("{request}", "<int:pk>").replace(
        "MQ/not-a-token", "<uidb64>/<token>"
    )


def test_every_url_has_a_row():
    covered = {as_route(path) for path in ACCESS}
    ours = {
        route
        for route in routes()
        if not route.startswith("admin/")
        or route.startswith(("admin/codes/code/", "admin/codes/codebatch/"))
    }
    # The admin's own object pages follow its model permissions, which the
    # change lists above already ask about.
    ours = {
        route
        for route in ours
        if "<path:object_id>" not in route and not route.endswith("/add/")
    }

    assert ours - covered == set()


@pytest.mark.parametrize("path", STATE_CHANGING)
def test_state_changing_pages_check_csrf(world, reader, librarian, provider, path):
    path = path.format(**world)
    user = (
        provider
        if path.startswith(("/empik/", "/admin/"))
        else librarian
        if path.startswith("/library/")
        else reader
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        path, {"action": "approve", "library": 1, "card_number": "X"}
    )

    assert response.status_code == 403
    assert "CSRF" in response.text


@pytest.mark.parametrize("path", ["/requests/{request}/cancel/", "/accounts/logout/"])
def test_post_only_pages_refuse_get(reader_client, world, path):
    response = reader_client.get(path.format(**world))

    assert response.status_code == 405

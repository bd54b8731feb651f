import pytest

START_PAGES = {
    "reader": "/requests/",
    "librarian": "/library/",
    "provider": "/empik/",
    "superuser": "/admin/",
}


@pytest.mark.parametrize(
    ("client_name", "start"),
    [
        ("reader_client", "/requests/"),
        ("other_reader_client", "/requests/"),
        ("librarian_client", "/library/"),
        ("other_librarian_client", "/library/"),
        ("provider_client", "/empik/"),
        ("superuser_client", "/admin/"),
    ],
)
def test_home_sends_each_role_to_its_start_page(db, request, client_name, start):
    client = request.getfixturevalue(client_name)

    response = client.get("/")

    assert response.status_code == 302
    assert response.url == start
    assert client.get(start).status_code == 200


def test_home_sends_anonymous_visitors_to_login(anonymous_client):
    response = anonymous_client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/"


@pytest.mark.parametrize(
    ("client_name", "forbidden"),
    [
        ("reader_client", ["/library/", "/empik/"]),
        ("librarian_client", ["/requests/", "/empik/"]),
        ("provider_client", ["/requests/", "/library/"]),
    ],
)
def test_each_role_is_refused_the_other_start_pages(
    db, request, client_name, forbidden
):
    client = request.getfixturevalue(client_name)

    statuses = [client.get(path).status_code for path in forbidden]

    assert statuses == [403, 403]


@pytest.mark.parametrize("path", ["/requests/", "/library/", "/empik/"])
def test_start_pages_send_anonymous_visitors_to_login(anonymous_client, path):
    response = anonymous_client.get(path)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


def test_navigation_shows_only_what_the_role_may_use(reader_client, librarian_client):
    reader_page = reader_client.get("/requests/").text
    librarian_page = librarian_client.get("/library/").text

    assert "Ask for a code" in reader_page
    assert 'href="/library/"' not in reader_page
    assert 'href="/library/"' in librarian_page
    assert "Ask for a code" not in librarian_page

"""Every page runs a fixed number of queries, however many rows it shows."""

import pytest

from codes.models import CodeStatus
from requests_app.models import RequestStatus
from tests import factories


def grow(library, n):
    """Add ``n`` readers, each with requests in several statuses and codes."""
    batch = factories.CodeBatchFactory(library=library)
    for _ in range(n):
        reader = factories.ReaderFactory(home_library=library)
        code = factories.CodeFactory(batch=batch, status=CodeStatus.ASSIGNED)
        factories.CodeRequestFactory(
            reader=reader, library=library, status=RequestStatus.APPROVED, code=code
        )
        factories.CodeRequestFactory(reader=reader, library=library)
        factories.CodeFactory(batch=batch)


def queries_for(client, path, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("client_name", "path"),
    [
        ("librarian_client", "/library/"),
        ("librarian_client", "/library/codes/"),
        ("librarian_client", "/library/?status=pending&sort=reader"),
        ("reader_client", "/requests/"),
        ("reader_client", "/requests/new/"),
    ],
)
def test_list_pages_do_not_grow_with_rows(
    request, library, reader, client_name, path, django_assert_max_num_queries
):
    client = request.getfixturevalue(client_name)
    for _ in range(3):
        factories.CodeRequestFactory(reader=reader, library=library, status="rejected")
    grow(library, 3)
    small = queries_for(client, path, django_assert_max_num_queries, 30)

    for _ in range(20):
        factories.CodeRequestFactory(reader=reader, library=library, status="rejected")
    grow(library, 20)
    large = queries_for(client, path, django_assert_max_num_queries, 30)

    assert large == small


def test_the_review_page_does_not_grow_with_history(
    librarian_client, reader, library, django_assert_max_num_queries
):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)
    path = f"/library/requests/{code_request.pk}/"
    small = queries_for(librarian_client, path, django_assert_max_num_queries, 30)

    for _ in range(15):
        factories.CodeRequestFactory(reader=reader, library=library, status="rejected")
        code_request.events.create(status=RequestStatus.PENDING, by=reader)
    large = queries_for(librarian_client, path, django_assert_max_num_queries, 30)

    assert large == small


def test_the_request_page_does_not_grow_with_history(
    reader_client, reader, library, django_assert_max_num_queries
):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)
    path = f"/requests/{code_request.pk}/"
    small = queries_for(reader_client, path, django_assert_max_num_queries, 30)

    for _ in range(15):
        code_request.events.create(status=RequestStatus.PENDING, by=reader)
    large = queries_for(reader_client, path, django_assert_max_num_queries, 30)

    assert large == small

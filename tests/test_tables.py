"""The list pages' rows, which their tables render a row at a time."""

import datetime
import re

from django.utils import timezone

from codes.models import CodeStatus
from requests_app.models import CodeRequest, RequestStatus
from tests import factories

WARSAW_MORNING = datetime.datetime(2026, 12, 1, 7, 5, tzinfo=datetime.UTC)


def row_of(html, marker):
    """The ``<tr>`` holding ``marker``."""
    return next(row for row in re.findall(r"<tr>.*?</tr>", html) if marker in row)


def test_a_queue_row_links_the_request_and_shows_local_times(librarian_client, library):
    code_request = factories.CodeRequestFactory(
        library=library,
        reader=factories.ReaderFactory(
            home_library=library, full_name="Ala <b>Kot</b>"
        ),
        card_number="CARD-4711",
    )
    CodeRequest.objects.filter(pk=code_request.pk).update(created_at=WARSAW_MORNING)

    row = row_of(librarian_client.get("/library/").text, "CARD-4711")

    assert (
        f'<a href="/library/requests/{code_request.pk}/" '
        f'aria-label="Request #{code_request.pk}">#{code_request.pk}</a>'
    ) in row
    assert '<span class="badge status-pending">pending</span>' in row
    assert "<td>2026-12-01 08:05</td>" in row
    assert "Ala &lt;b&gt;Kot&lt;/b&gt;" in row
    assert row.endswith("<td>—</td></tr>")


def test_a_queue_row_speaks_polish_to_a_polish_librarian(librarian_client, library):
    factories.CodeRequestFactory(
        library=library,
        reader=factories.ReaderFactory(home_library=library),
        card_number="CARD-4712",
        status=RequestStatus.REJECTED,
        decided_at=WARSAW_MORNING,
    )

    page = librarian_client.get("/library/", HTTP_ACCEPT_LANGUAGE="pl").text
    row = row_of(page, "CARD-4712")

    assert 'aria-label="Wniosek nr' in row
    assert '<span class="badge status-rejected">odrzucony</span>' in row
    assert "<td>2026-12-01 08:05</td></tr>" in row


def test_a_readers_row_names_the_library(reader_client, reader, library):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    row = row_of(reader_client.get("/requests/").text, f"#{code_request.pk}<")

    assert f'href="/requests/{code_request.pk}/"' in row
    assert f"<td>{library.name}</td>" in row


def test_a_code_row_links_the_request_it_went_to(librarian_client, library, reader):
    batch = factories.CodeBatchFactory(library=library, name="November")
    given = factories.CodeFactory(
        batch=batch,
        value="GIVEN-0001",
        status=CodeStatus.ASSIGNED,
        assigned_at=WARSAW_MORNING,
    )
    factories.CodeFactory(batch=batch, value="SPARE-0001")
    code_request = factories.CodeRequestFactory(
        reader=reader,
        library=library,
        status=RequestStatus.APPROVED,
        code=given,
        decided_at=timezone.now(),
    )

    page = librarian_client.get("/library/codes/").text

    given_row = row_of(page, "GIVEN-0001")
    assert f'href="/library/requests/{code_request.pk}/"' in given_row
    assert "<td>November</td>" in given_row
    assert "<td>2026-12-01 08:05</td></tr>" in given_row
    spare_row = row_of(page, "SPARE-0001")
    assert "href" not in spare_row
    assert spare_row.endswith("<td>—</td><td>—</td></tr>")


def test_an_empty_list_says_so(librarian_client):
    response = librarian_client.get("/library/", {"status": "waitlisted"})

    assert '<td colspan="6">No requests match.</td>' in response.text


def test_the_header_links_each_column_to_its_next_order(librarian_client):
    response = librarian_client.get(
        "/library/", {"status": "pending", "sort": "created_at"}
    )

    header = re.search(r"<thead>.*?</thead>", response.text, re.S).group()
    assert (
        '<th scope="col" aria-sort="ascending">'
        '<a href="?status=pending&amp;sort=-created_at">Asked</a></th>'
    ) in header
    assert '<a href="?status=pending&amp;sort=card_number">Card number</a>' in header
    assert header.count("aria-sort") == 1


def test_the_pages_link_to_each_other_keeping_the_filters(librarian_client, library):
    for _ in range(30):
        factories.CodeRequestFactory(
            library=library, reader=factories.ReaderFactory(home_library=library)
        )

    first = librarian_client.get("/library/", {"status": "pending"}).text
    second = librarian_client.get("/library/", {"status": "pending", "page": 2}).text

    assert 'href="?status=pending&amp;page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    assert '<span class="page-link" aria-current="page">Page 1</span>' in first
    assert 'href="?status=pending&amp;page=1" rel="prev"' in second
    assert 'rel="next"' not in second
    assert second.count("<tr><td><a href=") == 5


def test_a_counted_list_says_how_many_pages_it_has(librarian_client, library):
    batch = factories.CodeBatchFactory(library=library)
    factories.CodeFactory.create_batch(30, batch=batch)

    response = librarian_client.get("/library/codes/")

    assert "Page 1 of 2" in response.text
    assert 'href="?page=2" rel="next"' in response.text


def test_names_in_rows_are_escaped_on_every_list(
    librarian_client, provider_client, library
):
    batch = factories.CodeBatchFactory(library=library, name='<i>"Nov" & co</i>')
    factories.CodeFactory(batch=batch, value="ESC-0001")
    escaped = "&lt;i&gt;&quot;Nov&quot; &amp; co&lt;/i&gt;"

    codes = librarian_client.get("/library/codes/").text
    dashboard = provider_client.get("/empik/").text

    assert f"<td>{escaped}</td>" in row_of(codes, "ESC-0001")
    assert f"<tr><td>{escaped}</td><td>central</td>" in dashboard
    assert "<i>" not in codes + dashboard

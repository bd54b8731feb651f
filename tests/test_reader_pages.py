"""The reader's side: ask, follow, cancel, see the code."""

import pytest
from django.core import mail

from requests_app.models import CodeRequest, RequestStatus
from tests import factories


def test_the_request_form_prefills_library_and_card(reader_client, reader):
    response = reader_client.get("/requests/new/")

    form = response.context["form"]
    assert response.status_code == 200
    assert form["library"].value() == reader.home_library_id
    assert form["card_number"].value() == reader.card_number


def test_a_reader_asks_with_a_changed_card_number(reader_client, reader, library):
    response = reader_client.post(
        "/requests/new/", {"library": library.pk, "card_number": "NEW-4242"}
    )

    code_request = CodeRequest.objects.get(reader=reader)
    assert response.status_code == 302
    assert response.url == f"/requests/{code_request.pk}/"
    assert code_request.card_number == "NEW-4242"
    assert code_request.status == RequestStatus.PENDING


def test_a_second_open_request_is_refused_with_a_message(
    reader_client, reader, library
):
    factories.CodeRequestFactory(reader=reader, library=library)

    response = reader_client.post(
        "/requests/new/", {"library": library.pk, "card_number": reader.card_number}
    )

    assert response.status_code == 200
    assert "already have an open request" in response.text
    assert CodeRequest.objects.filter(reader=reader).count() == 1


@pytest.mark.parametrize(
    "card_number",
    ["", "x" * 33, "12<script>", "DROP TABLE;", "\x00\x01", "١٢٣-٤"],
)
def test_a_bad_card_number_is_a_form_error(reader_client, library, card_number):
    response = reader_client.post(
        "/requests/new/", {"library": library.pk, "card_number": card_number}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not CodeRequest.objects.exists()


@pytest.mark.parametrize("library_value", ["", "999999", "abc", "1 OR 1=1"])
def test_a_bad_library_is_a_form_error(reader_client, library_value):
    response = reader_client.post(
        "/requests/new/", {"library": library_value, "card_number": "CARD-1"}
    )

    assert response.status_code == 200
    assert "library" in response.context["form"].errors
    assert not CodeRequest.objects.exists()


def test_the_list_shows_only_my_requests(reader_client, reader, other_reader, library):
    mine = factories.CodeRequestFactory(reader=reader, library=library)
    theirs = factories.CodeRequestFactory(reader=other_reader, library=library)

    response = reader_client.get("/requests/")

    assert response.status_code == 200
    assert f'href="/requests/{mine.pk}/"' in response.text
    assert f'href="/requests/{theirs.pk}/"' not in response.text


def test_another_readers_request_is_404(other_reader_client, reader, library):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    assert other_reader_client.get(f"/requests/{code_request.pk}/").status_code == 404
    assert (
        other_reader_client.post(f"/requests/{code_request.pk}/cancel/").status_code
        == 404
    )
    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.PENDING


def test_the_approved_request_shows_the_code_and_how_to_activate_it(
    reader_client, reader, library, librarian
):
    code = factories.CodeFactory(batch=factories.CodeBatchFactory(library=library))
    code_request = factories.CodeRequestFactory(
        reader=reader, library=library, status=RequestStatus.APPROVED, code=code
    )

    response = reader_client.get(f"/requests/{code_request.pk}/")

    assert response.status_code == 200
    assert code.value in response.text
    assert code.valid_until.strftime("%Y-%m-%d") in response.text
    assert "How to activate it" in response.text


def test_a_pending_request_does_not_show_any_code(reader_client, reader, library):
    code = factories.CodeFactory(batch=factories.CodeBatchFactory(library=library))
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    response = reader_client.get(f"/requests/{code_request.pk}/")

    assert code.value not in response.text
    assert "Cancel this request" in response.text


def test_a_rejected_request_shows_the_reason(reader_client, reader, library):
    code_request = factories.CodeRequestFactory(
        reader=reader,
        library=library,
        status=RequestStatus.REJECTED,
        rejection_reason="Your card expired in May.",
    )

    response = reader_client.get(f"/requests/{code_request.pk}/")

    assert "Your card expired in May." in response.text
    assert "Cancel this request" not in response.text


def test_cancel_is_post_only(reader_client, reader, library):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    response = reader_client.get(f"/requests/{code_request.pk}/cancel/")

    assert response.status_code == 405
    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.PENDING


def test_cancelling_twice_says_so_and_changes_nothing(reader_client, reader, library):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    reader_client.post(f"/requests/{code_request.pk}/cancel/")
    response = reader_client.post(f"/requests/{code_request.pk}/cancel/", follow=True)

    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.CANCELLED
    assert code_request.events.filter(status=RequestStatus.CANCELLED).count() == 1
    assert "nothing was changed" in response.text


def test_the_whole_journey_through_the_client(
    reader_client, librarian_client, reader, library, django_capture_on_commit_callbacks
):
    code = factories.CodeFactory(batch=factories.CodeBatchFactory(library=library))

    reader_client.post(
        "/requests/new/", {"library": library.pk, "card_number": reader.card_number}
    )
    code_request = CodeRequest.objects.get(reader=reader)
    queue = librarian_client.get("/library/")
    with django_capture_on_commit_callbacks(execute=True):
        librarian_client.post(
            f"/library/requests/{code_request.pk}/", {"action": "approve"}
        )
    page = reader_client.get(f"/requests/{code_request.pk}/")

    assert f"/library/requests/{code_request.pk}/" in queue.text
    assert code.value in page.text
    assert [m.to for m in mail.outbox] == [[reader.email]]
    assert f"/requests/{code_request.pk}/" in mail.outbox[0].body

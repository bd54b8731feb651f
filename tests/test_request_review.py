"""The librarian's side: the queue, the review, the decision."""

import datetime
import re

import pytest
from django.utils import timezone

from codes.models import CodeStatus
from requests_app.models import CodeRequest, RequestStatus
from tests import factories


@pytest.fixture
def code_request(reader, library):
    return factories.CodeRequestFactory(reader=reader, library=library)


def review_url(code_request):
    return f"/library/requests/{code_request.pk}/"


def test_the_queue_puts_pending_first_and_oldest_first(librarian_client, library):
    now = timezone.now()
    decided = factories.CodeRequestFactory(
        reader=factories.ReaderFactory(home_library=library),
        status=RequestStatus.REJECTED,
        created_at=now - datetime.timedelta(days=3),
    )
    young = factories.CodeRequestFactory(
        reader=factories.ReaderFactory(home_library=library), created_at=now
    )
    old = factories.CodeRequestFactory(
        reader=factories.ReaderFactory(home_library=library),
        created_at=now - datetime.timedelta(hours=2),
    )

    response = librarian_client.get("/library/")

    rows = [row.record.pk for row in response.context["table"].page.object_list]
    assert rows == [old.pk, young.pk, decided.pk]


def test_the_queue_filters_by_status_and_card(librarian_client, library, code_request):
    other = factories.CodeRequestFactory(
        reader=factories.ReaderFactory(home_library=library),
        status=RequestStatus.REJECTED,
    )

    by_status = librarian_client.get("/library/", {"status": "rejected"})
    by_card = librarian_client.get("/library/", {"search": code_request.card_number})

    assert [r.record.pk for r in by_status.context["table"].page.object_list] == [
        other.pk
    ]
    assert [r.record.pk for r in by_card.context["table"].page.object_list] == [
        code_request.pk
    ]


def test_the_queue_sorts_by_a_column(librarian_client, library):
    a = factories.CodeRequestFactory(
        reader=factories.ReaderFactory(home_library=library, full_name="Zofia")
    )
    b = factories.CodeRequestFactory(
        reader=factories.ReaderFactory(home_library=library, full_name="Adam")
    )

    response = librarian_client.get("/library/", {"sort": "reader"})

    assert [r.record.pk for r in response.context["table"].page.object_list] == [
        b.pk,
        a.pk,
    ]


def test_the_queue_shows_the_figures(librarian_client, library, code_request):
    batch = factories.CodeBatchFactory(library=library)
    factories.CodeFactory.create_batch(2, batch=batch)
    factories.CodeFactory(
        batch=batch, valid_until=timezone.localdate() + datetime.timedelta(days=3)
    )

    figures = librarian_client.get("/library/").context["figures"]

    assert figures["pending"] == 1
    assert figures["codes_left"] == 3
    assert figures["codes_expiring"] == 1


def test_the_queue_shows_only_my_librarys_requests(
    other_librarian_client, code_request
):
    response = other_librarian_client.get("/library/")

    assert review_url(code_request) not in response.text
    assert other_librarian_client.get(review_url(code_request)).status_code == 404


def test_review_shows_the_card_and_earlier_requests(
    librarian_client, reader, library, code_request
):
    earlier = factories.CodeRequestFactory(
        reader=reader, library=library, status=RequestStatus.REJECTED
    )

    response = librarian_client.get(review_url(code_request))

    assert response.status_code == 200
    assert code_request.card_number in response.text
    assert list(response.context["earlier"]) == [earlier]


def test_approve_by_post_hands_over_a_code(
    librarian_client, librarian, library, code_request
):
    code = factories.CodeFactory(batch=factories.CodeBatchFactory(library=library))

    response = librarian_client.post(review_url(code_request), {"action": "approve"})

    code_request.refresh_from_db()
    code.refresh_from_db()
    assert response.status_code == 302
    assert code_request.status == RequestStatus.APPROVED
    assert code_request.code == code
    assert code_request.decided_by == librarian
    assert code.status == CodeStatus.ASSIGNED


def test_after_a_decision_the_next_pending_request_opens(
    librarian_client, library, code_request
):
    following = factories.CodeRequestFactory(
        reader=factories.ReaderFactory(home_library=library)
    )

    response = librarian_client.post(review_url(code_request), {"action": "approve"})

    assert response.url == review_url(following)


def test_reject_needs_a_reason_and_changes_nothing_without(
    librarian_client, code_request
):
    response = librarian_client.post(
        review_url(code_request), {"action": "reject", "reason": ""}
    )

    code_request.refresh_from_db()
    assert response.status_code == 200
    assert response.context["reject_form"].errors
    assert code_request.status == RequestStatus.PENDING
    # The reason's box names its error and its help once each.
    described_by = re.search(
        r'<textarea[^>]* aria-describedby="([^"]+)"', response.text
    ).group(1)
    assert sorted(described_by.split()) == ["id_reason_error", "id_reason_helptext"]
    assert 'id="id_reason_error"' in response.text


def test_reject_with_a_reason(librarian_client, code_request):
    librarian_client.post(
        review_url(code_request), {"action": "reject", "reason": "Card not valid."}
    )

    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.REJECTED
    assert code_request.rejection_reason == "Card not valid."


def test_deciding_twice_is_refused_politely(librarian_client, code_request, library):
    factories.CodeFactory.create_batch(
        2, batch=factories.CodeBatchFactory(library=library)
    )
    librarian_client.post(review_url(code_request), {"action": "approve"})

    again = librarian_client.post(
        review_url(code_request), {"action": "approve"}, follow=True
    )
    reject = librarian_client.post(
        review_url(code_request), {"action": "reject", "reason": "Oops"}, follow=True
    )

    code_request.refresh_from_db()
    assert again.status_code == 200
    assert "already approved; nothing was changed" in again.text
    assert "already approved; nothing was changed" in reject.text
    assert code_request.status == RequestStatus.APPROVED
    assert code_request.events.filter(status=RequestStatus.APPROVED).count() == 1


def test_deciding_a_cancelled_request_is_refused(librarian_client, code_request):
    code_request.status = RequestStatus.CANCELLED
    code_request.save()

    response = librarian_client.post(
        review_url(code_request), {"action": "approve"}, follow=True
    )

    assert "already cancelled" in response.text
    assert CodeRequest.objects.get(pk=code_request.pk).status == RequestStatus.CANCELLED


@pytest.mark.parametrize("action", ["", "delete", "approve\x00"])
def test_an_unknown_action_changes_nothing(librarian_client, code_request, action):
    response = librarian_client.post(review_url(code_request), {"action": action})

    assert response.status_code == 302
    assert CodeRequest.objects.get(pk=code_request.pk).status == RequestStatus.PENDING


def test_the_code_list_shows_which_request_got_which_code(
    librarian_client, library, code_request
):
    code = factories.CodeFactory(batch=factories.CodeBatchFactory(library=library))
    librarian_client.post(review_url(code_request), {"action": "approve"})

    response = librarian_client.get("/library/codes/")

    assert code.value in response.text
    assert review_url(code_request) in response.text


def test_the_code_list_hides_other_librarys_codes(other_librarian_client, library):
    code = factories.CodeFactory(batch=factories.CodeBatchFactory(library=library))

    response = other_librarian_client.get("/library/codes/")

    assert code.value not in response.text

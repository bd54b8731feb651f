"""The exchange's rules, through the services every page calls."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from codes.models import Code, CodeStatus
from codes.signals import codes_loaded
from requests_app import services
from requests_app.models import (
    CodeRequest,
    IllegalTransition,
    RequestStatus,
)
from tests import factories


@pytest.fixture
def pool(library):
    batch = factories.CodeBatchFactory(library=library)
    return factories.CodeFactory.create_batch(3, batch=batch)


def approve(code_request, librarian):
    return services.approve_request(request_id=code_request.pk, librarian=librarian)


def test_submit_opens_a_pending_request_with_its_first_step(reader, library):
    code_request = services.submit_request(
        reader=reader, library=library, card_number="CARD-1"
    )

    assert code_request.status == RequestStatus.PENDING
    assert code_request.card_number == "CARD-1"
    assert list(code_request.events.values_list("status", "by")) == [
        (RequestStatus.PENDING, reader.pk)
    ]


@pytest.mark.parametrize(
    "open_status", [RequestStatus.PENDING, RequestStatus.WAITLISTED]
)
def test_submit_refuses_a_second_open_request(reader, library, open_status):
    factories.CodeRequestFactory(reader=reader, library=library, status=open_status)

    with pytest.raises(services.RequestRefused, match="already have an open request"):
        services.submit_request(reader=reader, library=library, card_number="C-1")

    assert CodeRequest.objects.filter(reader=reader).count() == 1


def test_submit_allows_an_open_request_at_another_library(
    reader, library, other_library
):
    factories.CodeRequestFactory(reader=reader, library=library)

    services.submit_request(reader=reader, library=other_library, card_number="C-1")

    assert CodeRequest.objects.filter(reader=reader).count() == 2


def test_submit_refuses_past_the_monthly_limit(reader, library, librarian, pool):
    first = services.submit_request(reader=reader, library=library, card_number="C-1")
    approve(first, librarian)

    with pytest.raises(services.RequestRefused, match="monthly limit"):
        services.submit_request(reader=reader, library=library, card_number="C-1")

    assert CodeRequest.objects.filter(reader=reader).count() == 1


def test_the_monthly_limit_is_the_librarys_setting(reader, library, librarian, pool):
    library.monthly_limit = 2
    library.save()
    approve(
        services.submit_request(reader=reader, library=library, card_number="C"),
        librarian,
    )

    second = services.submit_request(reader=reader, library=library, card_number="C")

    assert second.status == RequestStatus.PENDING


def test_last_months_code_does_not_count_against_this_month(
    reader, library, librarian, pool
):
    old = factories.CodeRequestFactory(reader=reader, library=library)
    approve(old, librarian)
    CodeRequest.objects.filter(pk=old.pk).update(
        fulfilled_at=services.month_start() - datetime.timedelta(days=1)
    )

    new = services.submit_request(reader=reader, library=library, card_number="C")

    assert new.status == RequestStatus.PENDING


def test_approve_hands_over_the_code_that_expires_first(reader, library, librarian):
    batch = factories.CodeBatchFactory(library=library)
    today = timezone.localdate()
    late = factories.CodeFactory(
        batch=batch, valid_until=today + datetime.timedelta(days=60)
    )
    soon = factories.CodeFactory(
        batch=batch, valid_until=today + datetime.timedelta(days=5)
    )
    factories.CodeFactory(batch=batch, valid_until=today - datetime.timedelta(days=1))
    factories.CodeFactory(batch=batch, status=CodeStatus.VOID)
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    decision = approve(code_request, librarian)

    code_request.refresh_from_db()
    soon.refresh_from_db()
    assert decision.changed
    assert code_request.status == RequestStatus.APPROVED
    assert code_request.code == soon
    assert code_request.decided_by == librarian
    assert code_request.decided_at is not None
    assert code_request.fulfilled_at == code_request.decided_at
    assert soon.status == CodeStatus.ASSIGNED
    assert soon.assigned_at == code_request.decided_at
    assert Code.objects.get(pk=late.pk).status == CodeStatus.AVAILABLE


def test_approve_never_hands_out_another_librarys_code(
    reader, library, librarian, other_library
):
    factories.CodeFactory(batch=factories.CodeBatchFactory(library=other_library))
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    approve(code_request, librarian)

    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.WAITLISTED
    assert code_request.code is None


def test_approve_with_an_empty_pool_waitlists(reader, library, librarian):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    decision = approve(code_request, librarian)

    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.WAITLISTED
    assert code_request.decided_by == librarian
    assert "waitlisted" in decision.message
    assert services.waitlist_position(code_request) == 1


def test_a_librarian_cannot_decide_another_librarys_request(
    reader, library, other_librarian, pool
):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    with pytest.raises(services.RequestRefused):
        approve(code_request, other_librarian)

    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.PENDING


@pytest.mark.parametrize(
    "status",
    [
        RequestStatus.APPROVED,
        RequestStatus.WAITLISTED,
        RequestStatus.REJECTED,
        RequestStatus.CANCELLED,
    ],
)
def test_a_decision_is_final(reader, library, librarian, pool, status):
    code = pool[0] if status == RequestStatus.APPROVED else None
    code_request = factories.CodeRequestFactory(
        reader=reader, library=library, status=status, code=code
    )

    approved = approve(code_request, librarian)
    rejected = services.reject_request(
        request_id=code_request.pk, librarian=librarian, reason="No."
    )

    code_request.refresh_from_db()
    assert not approved.changed
    assert not rejected.changed
    assert "nothing was changed" in approved.message
    assert code_request.status == status
    assert Code.objects.filter(status=CodeStatus.ASSIGNED).count() == 0
    assert mail.outbox == []


def test_approving_twice_hands_out_one_code(reader, library, librarian, pool):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    approve(code_request, librarian)
    second = approve(code_request, librarian)

    assert not second.changed
    assert Code.objects.filter(status=CodeStatus.ASSIGNED).count() == 1


def test_reject_keeps_the_reason_and_who(reader, library, librarian):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    services.reject_request(
        request_id=code_request.pk, librarian=librarian, reason="  Card expired.  "
    )

    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.REJECTED
    assert code_request.rejection_reason == "Card expired."
    assert code_request.decided_by == librarian
    assert code_request.events.last().note == "Card expired."


def test_reject_needs_a_reason(reader, library, librarian):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    with pytest.raises(services.RequestRefused, match="reason"):
        services.reject_request(
            request_id=code_request.pk, librarian=librarian, reason=" "
        )

    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.PENDING


@pytest.mark.parametrize("status", [RequestStatus.PENDING, RequestStatus.WAITLISTED])
def test_the_reader_cancels_an_open_request(reader, library, status):
    code_request = factories.CodeRequestFactory(
        reader=reader, library=library, status=status
    )

    decision = services.cancel_request(request_id=code_request.pk, reader=reader)

    code_request.refresh_from_db()
    assert decision.changed
    assert code_request.status == RequestStatus.CANCELLED
    assert code_request.cancelled_at is not None


def test_another_reader_cannot_cancel(reader, other_reader, library):
    code_request = factories.CodeRequestFactory(reader=reader, library=library)

    with pytest.raises(services.RequestRefused):
        services.cancel_request(request_id=code_request.pk, reader=other_reader)

    code_request.refresh_from_db()
    assert code_request.status == RequestStatus.PENDING


ALL_MOVES = [(a, b) for a in RequestStatus for b in RequestStatus]

# The product's rules, written out here rather than read from the model.
LEGAL_MOVES = {
    ("pending", "approved"),
    ("pending", "waitlisted"),
    ("pending", "rejected"),
    ("pending", "cancelled"),
    ("waitlisted", "approved"),
    ("waitlisted", "cancelled"),
}


@pytest.mark.parametrize(("start", "goal"), ALL_MOVES)
def test_the_state_machine_allows_exactly_the_legal_moves(reader, library, start, goal):
    code_request = CodeRequest(reader=reader, library=library, status=start)

    allowed = code_request.can_move_to(goal)

    assert allowed == ((start, goal) in LEGAL_MOVES)
    if not allowed:
        with pytest.raises(IllegalTransition):
            code_request.move_to(goal)
        assert code_request.status == start


def test_loading_codes_fulfils_the_waitlist_oldest_first(
    library, librarian, django_capture_on_commit_callbacks
):
    waiting = []
    for hours_ago in (1, 3, 2):
        code_request = factories.CodeRequestFactory(
            reader=factories.ReaderFactory(home_library=library),
            created_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        )
        approve(code_request, librarian)
        waiting.append(code_request)
    oldest, middle, youngest = waiting[1], waiting[2], waiting[0]
    mail.outbox.clear()
    batch = factories.CodeBatchFactory(library=library)
    factories.CodeFactory.create_batch(2, batch=batch)

    with django_capture_on_commit_callbacks(execute=True):
        codes_loaded.send(sender=type(batch), batch=batch, library=library)

    statuses = {
        r.pk: r.status
        for r in CodeRequest.objects.filter(pk__in=[w.pk for w in waiting])
    }
    assert statuses == {
        oldest.pk: RequestStatus.APPROVED,
        middle.pk: RequestStatus.APPROVED,
        youngest.pk: RequestStatus.WAITLISTED,
    }
    youngest.refresh_from_db()
    assert services.waitlist_position(youngest) == 1
    assert sorted(m.to[0] for m in mail.outbox if "is ready" in m.subject) == sorted(
        [oldest.reader.email, middle.reader.email]
    )


def test_waitlist_positions_follow_the_order_of_asking(library, librarian):
    requests = [
        factories.CodeRequestFactory(
            reader=factories.ReaderFactory(home_library=library),
            created_at=timezone.now() - datetime.timedelta(minutes=10 - n),
        )
        for n in range(3)
    ]
    for code_request in reversed(requests):
        approve(code_request, librarian)

    positions = [
        services.waitlist_position(CodeRequest.objects.get(pk=r.pk)) for r in requests
    ]

    assert positions == [1, 2, 3]

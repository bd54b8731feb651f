"""Approvals racing for the same pool, on PostgreSQL's row locks."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from codes.models import Code, CodeStatus, CodeTally
from codes.services import redeem_codes
from requests_app import notifications, services
from requests_app.models import CodeRequest, RequestStatus
from requests_app.services import fulfil_waitlist
from tests import factories

THREADS = 20
CODES = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=(
            "SQLite serialises every writer, so this race proves nothing about "
            "row locks; it runs on PostgreSQL (CI sets DATABASE_URL)."
        ),
    ),
    # Flushed tables lose the groups the migrations made; bring them back.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_racing_approvals_hand_out_each_code_once(library):
    librarians = factories.LibrarianFactory.create_batch(4, library=library)
    factories.CodeFactory.create_batch(
        CODES, batch=factories.CodeBatchFactory(library=library)
    )
    requests = [
        factories.CodeRequestFactory(
            reader=factories.ReaderFactory(home_library=library)
        )
        for _ in range(THREADS)
    ]
    start = threading.Barrier(THREADS)
    failures = []

    def approve(index):
        try:
            start.wait()
            services.approve_request(
                request_id=requests[index].pk,
                librarian=librarians[index % len(librarians)],
            )
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    handed = list(
        CodeRequest.objects.filter(status=RequestStatus.APPROVED).values_list(
            "code_id", flat=True
        )
    )
    assert len(handed) == CODES
    assert len(set(handed)) == CODES
    assert CodeRequest.objects.filter(status=RequestStatus.WAITLISTED).count() == (
        THREADS - CODES
    )
    assert Code.objects.filter(status=CodeStatus.ASSIGNED).count() == CODES
    assert not Code.objects.filter(status=CodeStatus.AVAILABLE).exists()


def test_racing_duplicate_approvals_of_one_request_decide_it_once(library):
    librarians = factories.LibrarianFactory.create_batch(THREADS, library=library)
    factories.CodeFactory.create_batch(
        CODES, batch=factories.CodeBatchFactory(library=library)
    )
    code_request = factories.CodeRequestFactory(
        reader=factories.ReaderFactory(home_library=library)
    )
    start = threading.Barrier(THREADS)
    decisions = []

    def approve(librarian):
        try:
            start.wait()
            decisions.append(
                services.approve_request(
                    request_id=code_request.pk, librarian=librarian
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(lib,)) for lib in librarians]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(d.changed for d in decisions) == 1
    assert len(decisions) == THREADS
    assert Code.objects.filter(status=CodeStatus.ASSIGNED).count() == 1
    assert code_request.events.filter(status=RequestStatus.APPROVED).count() == 1


def test_the_waitlist_and_a_redeem_of_the_same_pool_never_wait_in_a_circle(
    library, provider, monkeypatch
):
    # The later batch is made first, so its tallies come first in key order,
    # while the codes expiring sooner go out first.
    loaded = timezone.now()
    later, sooner = (
        factories.CodeBatchFactory(library=library, valid_until=day)
        for day in (
            timezone.localdate() + datetime.timedelta(days=90),
            timezone.localdate() + datetime.timedelta(days=30),
        )
    )
    codes = {
        batch: [factories.CodeFactory(batch=batch, created_at=loaded) for _ in range(2)]
        for batch in (later, sooner)
    }
    waiting = [
        factories.CodeRequestFactory(
            reader=factories.ReaderFactory(home_library=library),
            status=RequestStatus.WAITLISTED,
        )
        for _ in range(2)
    ]
    handed_over, go_on = threading.Event(), threading.Event()
    told = notifications.request_decided

    def pause_after_the_first(request):
        told(request)
        if not handed_over.is_set():
            handed_over.set()
            go_on.wait(timeout=30)

    monkeypatch.setattr(notifications, "request_decided", pause_after_the_first)
    failures = []

    def run(job):
        try:
            job()
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    fulfil = threading.Thread(target=run, args=(lambda: fulfil_waitlist(library),))
    fulfil.start()
    assert handed_over.wait(timeout=30)
    # One code of each batch, neither of them the one just handed over: the
    # redeem changes the later batch's tallies first, then the sooner's.
    redeem = threading.Thread(
        target=run,
        args=(
            lambda: redeem_codes(
                [codes[later][0].value, codes[sooner][1].value], by=provider
            ),
        ),
    )
    redeem.start()
    wait_until_blocked_or_done(redeem)
    go_on.set()
    fulfil.join(timeout=60)
    redeem.join(timeout=60)

    assert not fulfil.is_alive() and not redeem.is_alive()
    assert failures == []
    handed = [
        request.code_id
        for request in CodeRequest.objects.filter(
            pk__in=[request.pk for request in waiting], status=RequestStatus.APPROVED
        )
    ]
    assert len(set(handed)) == 2
    assert Code.objects.filter(status=CodeStatus.REDEEMED).count() == 2
    assert CodeTally.objects.as_counts() == Code.objects.tally()


def wait_until_blocked_or_done(thread):
    """Until ``thread`` waits for a row lock in PostgreSQL, or has ended."""
    for _ in range(300):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] or not thread.is_alive():
                return
        time.sleep(0.05)
    raise AssertionError("the thread neither waited for a lock nor ended")

"""Approvals racing for the same pool, on PostgreSQL's row locks."""

import threading

import pytest
from django.db import connection, connections

from codes.models import Code, CodeStatus
from requests_app import services
from requests_app.models import CodeRequest, RequestStatus
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

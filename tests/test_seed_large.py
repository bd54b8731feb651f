"""seed_large: a large city's world, made small here, keeps every rule."""

import datetime
import io

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts import roles
from accounts.models import Library, User
from codes.models import Code, CodeBatch, CodeStatus, CodeTally
from requests_app.models import OPEN_STATUSES, CodeRequest, RequestEvent, RequestStatus
from tests import factories

SIZES = {"libraries": 4, "readers": 250, "codes": 2000, "requests": 600}


def seed(**options):
    out = io.StringIO()
    call_command("seed_large", stdout=out, **{**SIZES, **options})
    return out.getvalue()


@pytest.fixture
def world(db, settings):
    settings.DEBUG = True
    return seed(password="large-world-password")


def test_it_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert not Library.objects.exists()
    assert not User.objects.exists()


def test_it_runs_with_debug_off_when_forced(db, settings):
    settings.DEBUG = False

    seed(force=True, readers=10, codes=50, requests=20)

    assert User.objects.filter(groups__name=roles.READER).count() == 10


def test_it_makes_what_it_was_asked_for(world):
    assert Library.objects.count() == SIZES["libraries"]
    assert User.objects.filter(groups__name=roles.READER).count() == SIZES["readers"]
    assert User.objects.filter(groups__name=roles.LIBRARY).count() == 3 * 4
    assert User.objects.filter(groups__name=roles.EMPIK, is_staff=True).count() == 1
    assert Code.objects.count() == SIZES["codes"]
    assert CodeRequest.objects.count() == SIZES["requests"]
    assert CodeBatch.objects.count() > SIZES["libraries"]
    assert sum(CodeBatch.objects.values_list("size", flat=True)) == SIZES["codes"]


def test_it_prints_what_it_made_and_how_long_it_took(world):
    assert "2,000 codes" in world
    assert "600 code requests" in world
    assert "Requests by status:" in world
    assert "in all" in world
    assert "large-world-password" in world


def test_requests_come_in_every_status_and_codes_in_all_but_void(world):
    request_statuses = set(CodeRequest.objects.values_list("status", flat=True))
    code_statuses = set(Code.objects.values_list("status", flat=True))

    assert request_statuses == set(RequestStatus.values)
    assert code_statuses >= set(CodeStatus.values) - {CodeStatus.VOID}


def test_a_code_goes_to_one_approved_request_of_its_library(world):
    approved = CodeRequest.objects.filter(status=RequestStatus.APPROVED)

    assert not CodeRequest.objects.exclude(status=RequestStatus.APPROVED).filter(
        code__isnull=False
    )
    assert not approved.filter(code__isnull=True)
    assert approved.values("code").distinct().count() == approved.count()
    assert not approved.exclude(code__library=F("library"))
    assert not approved.exclude(
        code__status__in=[CodeStatus.ASSIGNED, CodeStatus.REDEEMED]
    )
    assert not approved.exclude(code__assigned_at=F("fulfilled_at"))
    assert Code.objects.filter(assigned_at__isnull=False).count() == approved.count()


def test_codes_go_out_loaded_and_unexpired(world):
    handed_out = Code.objects.filter(assigned_at__isnull=False)

    assert not handed_out.filter(assigned_at__lt=F("created_at"))
    for assigned_at, valid_until in handed_out.values_list(
        "assigned_at", "valid_until"
    ):
        assert timezone.localtime(assigned_at).date() <= valid_until
    assert not Code.objects.filter(
        status=CodeStatus.REDEEMED, redeemed_at__lt=F("assigned_at")
    )


def test_codes_past_their_day_are_expired_but_yesterdays(world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    assert not Code.objects.filter(
        status=CodeStatus.AVAILABLE, valid_until__lt=yesterday
    )
    assert not Code.objects.filter(status=CodeStatus.EXPIRED, expired_at__isnull=True)
    assert not Code.objects.filter(status=CodeStatus.VOID, voided_at__isnull=True)


def test_a_reader_has_at_most_one_open_request_per_library(world):
    open_twice = (
        CodeRequest.objects.filter(status__in=OPEN_STATUSES)
        .values("reader", "library")
        .annotate(open=Count("pk"))
        .filter(open__gt=1)
    )

    assert not open_twice


def test_decisions_record_who_and_when(world):
    decided = CodeRequest.objects.filter(
        status__in=[RequestStatus.REJECTED, RequestStatus.WAITLISTED]
    )

    assert not decided.filter(Q(decided_at__isnull=True) | Q(decided_by__isnull=True))
    assert not decided.exclude(decided_by__library=F("library"))
    assert not CodeRequest.objects.filter(
        status=RequestStatus.REJECTED, rejection_reason=""
    )
    assert not CodeRequest.objects.filter(
        status=RequestStatus.CANCELLED, cancelled_at__isnull=True
    )
    assert not CodeRequest.objects.filter(
        status=RequestStatus.PENDING, decided_at__isnull=False
    )


def test_every_request_has_its_steps_as_events(world):
    first_steps = RequestEvent.objects.filter(status=RequestStatus.PENDING)
    moved = CodeRequest.objects.exclude(status=RequestStatus.PENDING)

    assert first_steps.values("request").distinct().count() == SIZES["requests"]
    assert moved.filter(events__status=F("status")).distinct().count() == moved.count()
    assert not RequestEvent.objects.filter(
        status=RequestStatus.REJECTED, by__isnull=True
    )
    waitlisted = CodeRequest.objects.filter(status=RequestStatus.WAITLISTED)
    assert (
        waitlisted.filter(events__status=RequestStatus.WAITLISTED).count()
        == waitlisted.count()
    )


def test_every_account_shares_one_password_hash(world):
    hashes = set(
        User.objects.filter(email__endswith="@large.test").values_list(
            "password", flat=True
        )
    )

    assert len(hashes) == 1
    assert check_password("large-world-password", hashes.pop())


def test_the_provider_tallies_count_every_code(world):
    assert CodeTally.objects.as_counts() == Code.objects.tally()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite numbers new rows after the largest id without being told.",
)
def test_new_rows_get_ids_after_the_seeded_ones(world, library):
    batch = factories.CodeBatchFactory(library=library)

    code = factories.CodeFactory(batch=batch)
    code_request = factories.CodeRequestFactory(library=library)

    assert code.pk > Code.objects.exclude(pk=code.pk).order_by("-pk")[0].pk
    assert code_request.events.create(status=RequestStatus.PENDING).pk
    assert (
        code_request.reader.pk
        > User.objects.filter(email__endswith="@large.test").order_by("-pk")[0].pk
    )


def test_it_refuses_to_seed_a_second_world_in_the_same_database(world):
    with pytest.raises(CommandError, match="already holds"):
        seed()

    assert CodeRequest.objects.count() == SIZES["requests"]


def test_it_refuses_more_requests_than_its_readers_can_make(db, settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="at most"):
        seed(readers=1, requests=100)

"""Pages at a city's scale.

Every page of the contract runs as many queries over a bigger world as over
a small one, and the figures on the provider's and the librarian's pages,
added up from code tallies, equal a count of the codes themselves after
every kind of change a code goes through.
"""

import datetime
import threading
from collections import Counter

import pytest
from django import forms
from django.db import connection, connections, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import urlencode

from codes import exports, importing, services
from codes.filters import CodeFilter, status_counts
from codes.models import Code, CodeStatus, CodeTally, CodeTallyQuerySet
from codeshare.forms import QuickDateInput, QuickSelect, QuickTextInput
from requests_app import selectors
from requests_app import services as request_services
from requests_app.models import PENDING_FIRST, CodeRequest, RequestStatus
from tests import factories

DASHBOARD = "/empik/"
FIGURES = ["available", "assigned", "redeemed", "expired", "void", "total"]


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def codes_in_every_status(batch, count=1):
    """``count`` codes of ``batch`` in each status, and one past its day."""
    now = timezone.now()
    for status in CodeStatus.values:
        handed_out = status in (CodeStatus.ASSIGNED, CodeStatus.REDEEMED)
        factories.CodeFactory.create_batch(
            count, batch=batch, status=status, assigned_at=now if handed_out else None
        )
    factories.CodeFactory(batch=batch, valid_until=days_from_today(-1))


def closed_request(reader, library, librarian, status):
    """A decided request of ``reader``, with its steps."""
    now = timezone.now()
    fields = {"decided_at": now, "decided_by": librarian}
    if status == RequestStatus.APPROVED:
        code = factories.CodeFactory(
            batch__library=library, status=CodeStatus.ASSIGNED, assigned_at=now
        )
        fields.update(code=code, fulfilled_at=now)
    elif status == RequestStatus.REJECTED:
        fields["rejection_reason"] = "The card has expired."
    else:
        fields = {"cancelled_at": now}
    code_request = factories.CodeRequestFactory(
        reader=reader, library=library, status=status, **fields
    )
    code_request.events.create(status=RequestStatus.PENDING, by=reader)
    code_request.events.create(status=status, by=fields.get("decided_by", reader))
    return code_request


def grow(library, other_library, reader, librarian, n):
    """Add ``n`` of every row a page could show: codes, requests, steps."""
    for owner in (library, other_library, factories.LibraryFactory()):
        codes_in_every_status(factories.CodeBatchFactory(library=owner), n)
    for _ in range(n):
        for status in (
            RequestStatus.APPROVED,
            RequestStatus.REJECTED,
            RequestStatus.CANCELLED,
        ):
            closed_request(reader, library, librarian, status)
        for status in (RequestStatus.PENDING, RequestStatus.WAITLISTED):
            factories.CodeRequestFactory(
                reader=factories.ReaderFactory(home_library=library),
                library=library,
                status=status,
            )


@pytest.fixture
def city(library, other_library, reader, librarian):
    """The reader's requests in every status, and a small world around them."""
    requests = {
        status: closed_request(reader, library, librarian, status)
        for status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    }
    requests[RequestStatus.PENDING] = factories.CodeRequestFactory(
        reader=reader, library=library
    )
    requests[RequestStatus.WAITLISTED] = factories.CodeRequestFactory(
        reader=reader, library=other_library, status=RequestStatus.WAITLISTED
    )
    grow(library, other_library, reader, librarian, 1)
    return {status: code_request.pk for status, code_request in requests.items()}


def queries_for(client, path):
    """The queries of one GET of ``path``, a streamed body read to its end."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code in (200, 302), path
    return len(captured)


PAGES = [
    ("anonymous_client", "/healthz"),
    ("reader_client", "/"),
    ("librarian_client", "/"),
    ("provider_client", "/"),
    ("superuser_client", "/"),
    ("reader_client", "/requests/"),
    ("reader_client", "/requests/new/"),
    ("reader_client", "/requests/{approved}/"),
    ("reader_client", "/requests/{pending}/"),
    ("reader_client", "/requests/{waitlisted}/"),
    ("reader_client", "/requests/{rejected}/"),
    ("librarian_client", "/library/"),
    ("librarian_client", "/library/?status=waitlisted&sort=-created_at"),
    ("librarian_client", "/library/?search=CARD&sort=reader"),
    ("librarian_client", "/library/requests/{pending}/"),
    ("librarian_client", "/library/requests/{approved}/"),
    ("librarian_client", "/library/codes/"),
    ("librarian_client", "/library/codes/?status=assigned&sort=-valid_until"),
    ("provider_client", "/empik/"),
    ("provider_client", "/empik/?status=expired&loaded_from=2000-01-01"),
    ("provider_client", "/empik/?batch-sort=-total&library-sort=void"),
    ("provider_client", "/empik/codes/export/"),
    ("provider_client", "/empik/codes/export/?status=available"),
    ("provider_client", "/empik/codes/export/?format=xlsx"),
    ("superuser_client", "/admin/requests_app/coderequest/"),
    ("superuser_client", "/admin/requests_app/coderequest/?status__exact=approved"),
    ("superuser_client", "/admin/requests_app/coderequest/{approved}/change/"),
]


@pytest.mark.parametrize(("client_name", "path"), PAGES)
def test_every_page_runs_as_many_queries_over_a_bigger_world(
    request,
    city,
    library,
    other_library,
    reader,
    librarian,
    monkeypatch,
    client_name,
    path,
):
    # Small chunks, so that the bigger world's export spans many of them.
    monkeypatch.setattr(exports, "CHUNK_SIZE", 4)
    monkeypatch.setattr(exports, "CSV_ROWS_PER_WRITE", 3)
    client = request.getfixturevalue(client_name)
    path = path.format(**city)
    client.get(path)  # Caches filled once per process stay out of the count.
    small = queries_for(client, path)

    grow(library, other_library, reader, librarian, 12)
    for code_request in CodeRequest.objects.filter(pk__in=city.values()):
        for _ in range(5):
            code_request.events.create(status=code_request.status, by=librarian)
    large = queries_for(client, path)

    assert large == small
    assert large <= 16


# The figures equal a recount


def chart_start(today):
    """The first day of the chart's first month, eleven months back."""
    month = today.replace(day=1)
    for _ in range(11):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def recount(today):
    """The dashboard's figures, counted from the codes one by one."""
    codes = Code.objects.all()
    counts = status_counts(today)
    months = (
        (library_id, timezone.localtime(assigned_at).date().replace(day=1))
        for library_id, assigned_at in codes.filter(
            assigned_at__isnull=False
        ).values_list("library_id", "assigned_at")
    )
    handed_out = Counter(key for key in months if key[1] >= chart_start(today))
    return {
        "totals": codes.aggregate(**counts),
        "libraries": {
            row.pop("library_id"): row
            for row in codes.values("library_id").annotate(**counts).order_by()
        },
        "batches": {
            row.pop("batch_id"): row
            for row in codes.values("batch_id").annotate(**counts).order_by()
        },
        "handed_out": {key: count for key, count in handed_out.items()},
    }


def shown(provider_client, **filters):
    """The dashboard's figures as the page shows them."""
    context = provider_client.get(DASHBOARD, filters).context
    hand_outs = context["hand_outs"]
    handed_out = {
        (library["library_id"], month): count
        for library in hand_outs["libraries"]
        for month, count in zip(hand_outs["months"], library["counts"], strict=True)
        if count
    }

    def figures(row):
        return {name: row[name] for name in FIGURES}

    return {
        "totals": figures(context["totals"]),
        "libraries": {
            row["library_id"]: figures(row)
            for row in context["library_table"].data.data
        },
        "batches": {
            row["batch_id"]: figures(row) for row in context["batch_table"].data.data
        },
        "handed_out": handed_out,
    }


def assert_figures_match_a_recount(provider_client):
    assert CodeTally.objects.as_counts() == Code.objects.tally()
    assert shown(provider_client) == recount(timezone.localdate())


@pytest.fixture
def pool(library, other_library):
    """Codes of two libraries in every status."""
    central = factories.CodeBatchFactory(library=library, name="Central")
    riverside = factories.CodeBatchFactory(library=other_library, name="Riverside")
    codes_in_every_status(central, 2)
    codes_in_every_status(riverside, 1)
    return {"central": central, "riverside": riverside}


def test_figures_match_a_recount_of_codes_made_one_by_one(provider_client, pool):
    assert_figures_match_a_recount(provider_client)


def test_figures_match_a_recount_after_an_import(provider_client, pool, library):
    result = importing.import_code_values(
        ["NEW-0001", "NEW-0002", "NEW-0003"],
        library=library,
        batch_name="New",
        valid_until=days_from_today(60),
    )

    assert result.ok
    assert_figures_match_a_recount(provider_client)


def test_figures_match_a_recount_after_an_import_with_dates_per_row(
    provider_client, pool, library
):
    content = (
        "code,valid_until\n"
        f"ROW-0001,{days_from_today(5)}\n"
        f"ROW-0002,{days_from_today(50)}\n"
        f"ROW-0003,{days_from_today(50)}\n"
    ).encode()

    result = importing.import_code_file(content, "rows.csv", library=library)

    assert result.ok
    assert_figures_match_a_recount(provider_client)


def test_figures_match_a_recount_after_an_approval(
    provider_client, pool, library, librarian
):
    code_request = factories.CodeRequestFactory(library=library)

    decision = request_services.approve_request(
        request_id=code_request.pk, librarian=librarian
    )

    assert decision.request.status == RequestStatus.APPROVED
    assert_figures_match_a_recount(provider_client)


def test_figures_match_a_recount_after_the_waitlist_is_fulfilled(
    provider_client, other_library, django_capture_on_commit_callbacks
):
    waiting = factories.CodeRequestFactory(
        library=other_library, status=RequestStatus.WAITLISTED
    )

    with django_capture_on_commit_callbacks(execute=True):
        importing.import_code_values(
            ["WAIT-0001"],
            library=other_library,
            batch_name="Late",
            valid_until=days_from_today(30),
        )

    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.APPROVED
    assert_figures_match_a_recount(provider_client)


def test_figures_match_a_recount_after_codes_are_redeemed(
    provider_client, pool, provider
):
    values = [
        Code.objects.filter(batch=pool["central"], status=status).first().value
        for status in (
            CodeStatus.AVAILABLE,
            CodeStatus.ASSIGNED,
            CodeStatus.EXPIRED,
            CodeStatus.VOID,
        )
    ]

    summary = services.redeem_codes(values, by=provider)

    assert summary.changed == 3
    assert_figures_match_a_recount(provider_client)


def test_figures_match_a_recount_after_codes_are_voided(
    provider_client, pool, provider
):
    values = list(
        Code.objects.filter(
            status__in=[CodeStatus.AVAILABLE, CodeStatus.EXPIRED, CodeStatus.ASSIGNED]
        ).values_list("value", flat=True)
    )

    summary = services.void_codes(values, by=provider, reason="Withdrawn.")

    assert summary.changed > 0
    assert_figures_match_a_recount(provider_client)


def test_figures_match_a_recount_after_codes_expire(provider_client, pool):
    count = services.expire_codes()

    assert count == 2
    assert_figures_match_a_recount(provider_client)


def test_figures_match_a_recount_after_a_code_is_changed_or_deleted(
    provider_client, pool
):
    code = Code.objects.filter(status=CodeStatus.AVAILABLE).first()
    code.valid_until = days_from_today(3)
    code.save()
    code.status = CodeStatus.ASSIGNED
    code.assigned_at = timezone.now() - datetime.timedelta(days=40)
    code.save(update_fields=["status", "assigned_at"])
    code.redeemed_at = timezone.now()
    code.save(update_fields=["redeemed_at"])
    Code.objects.filter(status=CodeStatus.VOID).first().delete()
    Code.objects.filter(status=CodeStatus.EXPIRED).delete()

    assert_figures_match_a_recount(provider_client)


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "expired"},
        {"status": "available", "valid_to": "2100-01-01"},
        {"loaded_from": "2000-01-01", "loaded_to": "2100-01-01"},
        {"valid_from": "2100-01-01"},
    ],
)
def test_filtered_figures_match_a_recount_of_the_filtered_codes(
    provider_client, pool, filters
):
    filterset = CodeFilter(QueryDict(urlencode(filters)), Code.objects.all())
    assert filterset.is_valid()
    codes = filterset.qs
    today = timezone.localdate()

    totals = provider_client.get(DASHBOARD, filters).context["totals"]

    assert {name: totals[name] for name in FIGURES} == codes.aggregate(
        **status_counts(today)
    )


def test_a_tally_made_meanwhile_by_another_transaction_is_added_to(
    pool, library, monkeypatch
):
    code = factories.CodeFactory(batch=pool["central"])
    key = (*code.tally_key()[:2], CodeStatus.VOID, *code.tally_key()[3:])
    CodeTally.objects.add({key: 2})
    update = CodeTallyQuerySet.update
    calls = []

    def update_that_misses_once(self, **kwargs):
        calls.append(kwargs)
        # The first update runs before the other transaction's insert.
        return 0 if len(calls) == 1 else update(self, **kwargs)

    monkeypatch.setattr(CodeTallyQuerySet, "update", update_that_misses_once)
    CodeTally.objects.add({key: 3})

    assert CodeTally.objects.as_counts()[key] == 5


def test_taking_from_a_missing_tally_is_logged_and_harms_nothing(pool, caplog):
    key = (pool["central"].library_id, pool["central"].pk, "void", None, None, None)

    CodeTally.objects.add({key: -1})

    assert "recount" in caplog.text
    assert CodeTally.objects.as_counts() == Code.objects.tally()


def test_a_rebuild_counts_every_code_again(pool):
    CodeTally.objects.update(count=0)

    CodeTally.objects.rebuild()

    assert CodeTally.objects.as_counts() == Code.objects.tally()


def test_library_figures_match_a_recount(library, librarian, pool, city):
    today = timezone.localdate()
    month_start = request_services.month_start()
    requests = CodeRequest.objects.filter(library=library)
    pool_codes = Code.objects.available(today).filter(library=library)

    figures = selectors.library_figures(library)

    assert figures == {
        "pending": requests.filter(status=RequestStatus.PENDING).count(),
        "waitlisted": requests.filter(status=RequestStatus.WAITLISTED).count(),
        "approved_this_month": requests.filter(
            status=RequestStatus.APPROVED, fulfilled_at__gte=month_start
        ).count(),
        "rejected_this_month": requests.filter(
            status=RequestStatus.REJECTED, decided_at__gte=month_start
        ).count(),
        "codes_left": pool_codes.count(),
        "codes_expiring": pool_codes.filter(
            valid_until__lte=today + datetime.timedelta(days=selectors.EXPIRING_DAYS)
        ).count(),
        "expiring_days": selectors.EXPIRING_DAYS,
    }
    assert figures["pending"] and figures["waitlisted"] and figures["codes_left"]


def test_this_months_figures_start_at_local_midnight_on_the_first(library):
    """Warsaw's month starts an hour or two before UTC's: neither is miscounted."""
    start = request_services.month_start()
    for at in (start - datetime.timedelta(minutes=1), start):
        factories.CodeRequestFactory(
            library=library,
            status=RequestStatus.REJECTED,
            decided_at=at,
            reader=factories.ReaderFactory(home_library=library),
        )

    figures = selectors.library_figures(library)

    assert figures["rejected_this_month"] == 1


@pytest.mark.parametrize(
    "query",
    ["", "status=assigned", "status=expired&page=2", "status=bogus", "value=nope"],
)
def test_the_library_code_list_pages_through_as_many_codes_as_it_lists(
    librarian_client, library, pool, query
):
    codes_in_every_status(factories.CodeBatchFactory(library=library), 30)
    listed = Code.objects.filter(library=library)
    status = QueryDict(query).get("status")
    if status in CodeStatus.values:
        listed = listed.filter(status=status)
    if "value" in query:
        listed = listed.none()

    response = librarian_client.get(f"/library/codes/?{query}")

    assert response.status_code == 200
    assert response.context["table"].paginator.count == listed.count()


# The batch filter's select


@pytest.mark.parametrize("query", ["", "batch={batch}", "batch=not-a-batch"])
def test_the_batch_select_is_written_as_djangos_own(pool, query):
    query = query.format(batch=pool["central"].pk)
    filterset = CodeFilter(QueryDict(query), queryset=Code.objects.all())
    filterset.is_valid()
    field = filterset.form.fields["batch"]
    assert isinstance(field.widget, QuickSelect)

    quick = filterset.form["batch"].as_widget(attrs={"class": "form-select"})
    field.widget = forms.Select(choices=field.widget.choices)
    plain = filterset.form["batch"].as_widget(attrs={"class": "form-select"})

    assert quick == plain
    assert "Central" in quick


def test_the_quick_select_writes_groups_and_attributes_as_djangos_own():
    choices = [("", "---"), ("Group <a>", [("1", "one & two"), ("2", "two")])]
    attrs = {"required": True, "disabled": False, "data-note": 'say "hi"'}

    quick = QuickSelect(choices=choices, attrs=attrs).render("n", "2")
    plain = forms.Select(choices=choices, attrs=attrs).render("n", "2")

    assert quick == plain


@pytest.mark.parametrize(
    "value", [None, "", 'say "hi" <b>', datetime.date(2026, 12, 3)]
)
def test_the_quick_inputs_write_themselves_as_djangos_own(value):
    attrs = {"class": "form-control", "required": True, "disabled": False}

    text = QuickTextInput(attrs=attrs).render("n", value)
    date = QuickDateInput(attrs=attrs).render("n", value)

    assert text == forms.TextInput(attrs=attrs).render("n", value)
    assert date == forms.DateInput(
        attrs={"type": "date", **attrs}, format="%Y-%m-%d"
    ).render("n", value)


# The admin's change list of requests


def test_the_request_admin_is_read_only_for_superusers(superuser_client, city):
    changelist = superuser_client.get("/admin/requests_app/coderequest/")
    page = superuser_client.get(
        f"/admin/requests_app/coderequest/{city['approved']}/change/"
    )
    posted = superuser_client.post(
        f"/admin/requests_app/coderequest/{city['approved']}/change/",
        {"status": RequestStatus.REJECTED},
    )

    assert changelist.status_code == 200
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert posted.status_code == 403
    assert superuser_client.get("/admin/requests_app/coderequest/add/").status_code == (
        403
    )
    assert CodeRequest.objects.get(pk=city["approved"]).status == (
        RequestStatus.APPROVED
    )


def test_the_request_admin_shows_provider_staff_nothing(provider_client, city):
    response = provider_client.get("/admin/requests_app/coderequest/")

    assert response.status_code == 403


# PostgreSQL reads the librarian's queue in order from its index


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="asks PostgreSQL for its plan"
)
def test_the_queue_is_read_in_order_from_its_index(library, city):
    queue = (
        CodeRequest.objects.filter(library=library)
        .annotate(waiting=PENDING_FIRST)
        .order_by("waiting", "created_at", "id")[:25]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")

    plan = queue.explain()

    assert "request_queue_order_idx" in plan
    assert "Sort" not in plan


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="asks PostgreSQL for its plan"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_library_figures_count_from_indexes(library, city):
    """Each count reads an index range of its own, not the rows behind it."""
    with connection.cursor() as cursor:
        # As autovacuum would: an index-only scan needs the visibility map.
        cursor.execute("VACUUM ANALYZE requests_app_coderequest, codes_codetally")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            f"EXPLAIN {selectors.FIGURES_SQL}", selectors.figures_parameters(library)
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert plan.count("Index Only Scan") >= 4, plan


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="races on PostgreSQL's row locks"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_changes_keep_the_tallies_equal_to_a_recount(library, provider):
    librarians = factories.LibrarianFactory.create_batch(4, library=library)
    batch = factories.CodeBatchFactory(library=library)
    factories.CodeFactory.create_batch(12, batch=batch)
    to_redeem = factories.CodeFactory.create_batch(6, batch=batch)
    requests = [
        factories.CodeRequestFactory(
            reader=factories.ReaderFactory(home_library=library)
        )
        for _ in range(16)
    ]
    jobs = [
        lambda index=index: request_services.approve_request(
            request_id=requests[index].pk, librarian=librarians[index % 4]
        )
        for index in range(len(requests))
    ] + [
        lambda code=code: services.redeem_codes([code.value], by=provider)
        for code in to_redeem
    ]
    start = threading.Barrier(len(jobs))
    failures = []

    def run(job):
        try:
            start.wait()
            job()
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert CodeTally.objects.as_counts() == Code.objects.tally()

"""The provider's pages: the code pool dashboard, redeeming and voiding codes."""

import datetime
import io
import re

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from codes import filters, services
from codes.models import Code, CodeBatch, CodeStatus
from requests_app.models import CodeRequest, RequestStatus
from tests import factories

DASHBOARD = reverse("empik:dashboard")
EXPORT = reverse("empik:code-export")
REDEEM = reverse("empik:code-redeem")
VOID = reverse("empik:code-void")
PROVIDER_PAGES = [DASHBOARD, EXPORT, REDEEM, VOID]


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def local_noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def code_states():
    return dict(Code.objects.values_list("value", "status"))


@pytest.fixture
def pool(library, other_library):
    """Codes of two libraries in every status, one past its last valid day."""
    central = factories.CodeBatchFactory(
        name="Central spring", library=library, valid_until=days_from_today(90)
    )
    riverside = factories.CodeBatchFactory(
        name="Riverside soon", library=other_library, valid_until=days_from_today(10)
    )
    now = timezone.now()
    codes = {
        "available": [
            factories.CodeFactory(batch=central, value=f"CENT-AVL-{n}")
            for n in range(3)
        ],
        "assigned": [
            factories.CodeFactory(
                batch=central,
                value=f"CENT-ASG-{n}",
                status=CodeStatus.ASSIGNED,
                assigned_at=now,
            )
            for n in range(2)
        ],
        "redeemed": factories.CodeFactory(
            batch=central,
            value="CENT-RDM-0",
            status=CodeStatus.REDEEMED,
            assigned_at=now,
            redeemed_at=now,
        ),
        "void": factories.CodeFactory(
            batch=central, value="CENT-VOID-0", status=CodeStatus.VOID
        ),
        "expired": factories.CodeFactory(
            batch=central,
            value="CENT-EXP-0",
            status=CodeStatus.EXPIRED,
            valid_until=days_from_today(-30),
        ),
        # Never marked expired, yet past its last valid day.
        "stale": factories.CodeFactory(
            batch=central, value="CENT-STALE-0", valid_until=days_from_today(-1)
        ),
        "riverside_available": [
            factories.CodeFactory(batch=riverside, value=f"RIVR-AVL-{n}")
            for n in range(2)
        ],
        "riverside_assigned": factories.CodeFactory(
            batch=riverside,
            value="RIVR-ASG-0",
            status=CodeStatus.ASSIGNED,
            assigned_at=now,
        ),
    }
    return {"central": central, "riverside": riverside, "codes": codes}


@pytest.fixture
def secret_reader(library, pool):
    """A reader holding one of the pool's codes, with data nobody else may see."""
    reader = factories.ReaderFactory(
        email="zofia.secret@mail.test",
        full_name="Zofia Sekretna",
        card_number="CARD-777-SECRET",
        home_library=library,
    )
    CodeRequest.objects.create(
        reader=reader,
        library=library,
        card_number="CARD-888-SECRET",
        status=RequestStatus.APPROVED,
        code=pool["codes"]["assigned"][0],
    )
    return reader


def rows_by(table, key):
    return {row[key]: row for row in table.data.data}


STATUS_KEYS = ["available", "assigned", "redeemed", "expired", "void", "total"]


def counts(row):
    return {key: row[key] for key in STATUS_KEYS}


# Permissions


@pytest.mark.parametrize("path", PROVIDER_PAGES)
def test_each_provider_page_lets_only_provider_staff_in(cast_client, path):
    response = cast_client.get(path)

    if cast_client.role == "anonymous":
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={path}"
    elif cast_client.role == "provider":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path", [REDEEM, VOID])
@pytest.mark.parametrize(
    ("client_name", "status_code"),
    [
        ("anonymous_client", 302),
        ("reader_client", 403),
        ("librarian_client", 403),
        ("superuser_client", 403),
    ],
)
def test_state_changing_pages_refuse_a_post_from_others(
    request, client_name, status_code, path, pool
):
    client = request.getfixturevalue(client_name)
    before = code_states()

    response = client.post(path, {"pasted": "CENT-AVL-0", "reason": "lost"})

    assert response.status_code == status_code
    assert code_states() == before


@pytest.mark.parametrize("path", [REDEEM, VOID])
def test_state_changing_pages_show_a_form_on_get_and_change_nothing(
    provider_client, path, pool
):
    before = code_states()

    response = provider_client.get(path, {"pasted": "CENT-AVL-0", "reason": "x"})

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b"csrfmiddlewaretoken" in response.content
    assert response.context["summary"] is None
    assert code_states() == before


@pytest.mark.parametrize("path", [REDEEM, VOID])
def test_state_changing_pages_need_the_csrf_token(provider, path, pool):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider)
    before = code_states()

    response = client.post(path, {"pasted": "CENT-AVL-0", "reason": "lost"})

    assert response.status_code == 403
    assert code_states() == before


# Dashboard figures


def test_dashboard_counts_codes_by_status_library_and_batch(provider_client, pool):
    response = provider_client.get(DASHBOARD)

    assert response.status_code == 200
    assert counts(response.context["totals"]) == {
        "available": 5,
        "assigned": 3,
        "redeemed": 1,
        "expired": 2,
        "void": 1,
        "total": 12,
    }
    by_library = rows_by(response.context["library_table"], "library_slug")
    assert counts(by_library["central"]) == {
        "available": 3,
        "assigned": 2,
        "redeemed": 1,
        "expired": 2,
        "void": 1,
        "total": 9,
    }
    assert counts(by_library["riverside"]) == {
        "available": 2,
        "assigned": 1,
        "redeemed": 0,
        "expired": 0,
        "void": 0,
        "total": 3,
    }
    by_batch = rows_by(response.context["batch_table"], "batch_name")
    assert by_batch["Riverside soon"]["library_slug"] == "riverside"
    assert counts(by_batch["Central spring"]) == counts(by_library["central"])


def test_dashboard_lists_batches_with_codes_expiring_within_30_days(
    provider_client, pool, library
):
    late = factories.CodeBatchFactory(library=library, valid_until=days_from_today(31))
    factories.CodeFactory(batch=late)

    response = provider_client.get(DASHBOARD)

    rows = list(response.context["expiring_table"].data.data)
    assert [row["batch_name"] for row in rows] == ["Riverside soon"]
    assert rows[0]["expiring"] == 2
    assert rows[0]["first_expiry"] == days_from_today(10)
    assert "Riverside soon" in response.content.decode()


def test_dashboard_shows_figures_and_links(provider_client, pool):
    response = provider_client.get(DASHBOARD, {"library": pool["central"].library_id})

    page = response.content.decode()
    assert "Central spring" in page
    assert f'href="{REDEEM}"' in page
    assert f'href="{VOID}"' in page
    query = f"library={pool['central'].library_id}"
    assert f'href="{EXPORT}?{query}&amp;format=csv"' in page
    assert f'href="{EXPORT}?{query}&amp;format=xlsx"' in page
    assert 'href="/admin/' in page


def test_dashboard_has_no_inline_script_or_style(provider_client, pool):
    response = provider_client.get(DASHBOARD)

    page = response.content.decode()
    assert "<svg" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)


def test_dashboard_shows_no_personal_data_of_readers(
    provider_client, pool, secret_reader
):
    response = provider_client.get(DASHBOARD)

    page = response.content.decode()
    for secret in (
        "zofia.secret",
        "Zofia",
        "Sekretna",
        "CARD-777-SECRET",
        "CARD-888-SECRET",
    ):
        assert secret not in page


def test_dashboard_query_count_stays_fixed_as_codes_grow(
    provider_client, pool, other_library, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        provider_client.get(DASHBOARD)
    now = timezone.now()
    for _ in range(30):
        batch = factories.CodeBatchFactory(library=other_library)
        factories.CodeFactory.create_batch(3, batch=batch)
        factories.CodeFactory(batch=batch, status=CodeStatus.ASSIGNED, assigned_at=now)
    extra_library = factories.LibraryFactory()
    factories.CodeFactory(
        batch__library=extra_library, status=CodeStatus.ASSIGNED, assigned_at=now
    )

    with django_assert_max_num_queries(len(few)) as many:
        response = provider_client.get(DASHBOARD, {"status": "available"})

    assert response.status_code == 200
    assert len(many) == len(few)


def test_figure_tables_sort_and_page_by_the_query_string(
    provider_client, pool, library
):
    for _ in range(30):
        factories.CodeFactory(batch__library=library)

    response = provider_client.get(
        DASHBOARD, {"batch-sort": "-total", "batch-page": "2", "library-sort": "void"}
    )

    assert response.status_code == 200
    batch_table = response.context["batch_table"]
    assert batch_table.page.number == 2
    assert len(batch_table.page.object_list) == 32 - 25
    first_page = provider_client.get(DASHBOARD, {"batch-sort": "-total"})
    largest = first_page.context["batch_table"].page.object_list[0].record
    assert largest["batch_name"] == "Central spring"


# Filters


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("available", {f"CENT-AVL-{n}" for n in range(3)}),
        ("expired", {"CENT-EXP-0", "CENT-STALE-0"}),
        ("void", {"CENT-VOID-0"}),
    ],
)
def test_status_filter_counts_stale_available_codes_as_expired(
    provider_client, pool, library, status, expected
):
    response = provider_client.get(DASHBOARD, {"status": status, "library": library.pk})

    assert response.context["filter"].qs.count() == len(expected)
    assert set(response.context["filter"].qs.values_list("value", flat=True)) == (
        expected
    )
    assert response.context["totals"][status] == len(expected)
    assert response.context["totals"]["total"] == len(expected)


def test_library_and_batch_filters_narrow_the_figures(provider_client, pool):
    by_library = provider_client.get(
        DASHBOARD, {"library": pool["riverside"].library_id}
    )
    by_batch = provider_client.get(DASHBOARD, {"batch": pool["central"].pk})

    assert by_library.context["totals"]["total"] == 3
    assert set(rows_by(by_library.context["library_table"], "library_slug")) == {
        "riverside"
    }
    assert by_batch.context["totals"]["total"] == 9
    assert set(rows_by(by_batch.context["batch_table"], "batch_name")) == {
        "Central spring"
    }


def test_date_filters_narrow_by_loading_day_and_last_valid_day(
    provider_client, pool, library
):
    old_day = days_from_today(-100)
    factories.CodeFactory(
        batch=pool["central"], value="OLD-LOAD-0", created_at=local_noon(old_day)
    )
    iso = old_day.isoformat()

    loaded = provider_client.get(DASHBOARD, {"loaded_from": iso, "loaded_to": iso})
    valid = provider_client.get(
        DASHBOARD,
        {
            "valid_from": days_from_today(5).isoformat(),
            "valid_to": days_from_today(15).isoformat(),
        },
    )

    assert list(loaded.context["filter"].qs.values_list("value", flat=True)) == [
        "OLD-LOAD-0"
    ]
    assert valid.context["totals"]["total"] == 3


def test_the_batch_list_holds_the_librarys_batches_or_the_latest(
    provider_client, pool, library, other_library
):
    old = factories.CodeBatchFactory(library=library, name="Oldest central")
    CodeBatch.objects.filter(pk=old.pk).update(
        loaded_at=timezone.now() - datetime.timedelta(days=900)
    )
    for number in range(filters.RECENT_BATCHES):
        factories.CodeBatchFactory(library=other_library, name=f"Riverside {number}")

    def listed(**query):
        form = provider_client.get(DASHBOARD, query).context["filter"].form
        return {label for value, label in form.fields["batch"].widget.choices if value}

    latest = listed()
    of_central = listed(library=library.pk)
    asked_for = listed(batch=old.pk)

    assert len(latest) == filters.RECENT_BATCHES
    assert "Oldest central (central)" not in latest
    assert of_central == {
        f"{batch.name} (central)" for batch in CodeBatch.objects.filter(library=library)
    }
    assert "Oldest central (central)" in asked_for
    assert (
        provider_client.get(DASHBOARD, {"batch": old.pk}).context["filter"].is_valid()
    )


def test_invalid_filters_show_an_error_and_no_figures(provider_client, pool):
    response = provider_client.get(DASHBOARD, {"library": "999999"})

    assert response.status_code == 200
    assert response.context["filter"].errors
    assert response.context["totals"]["total"] == 0
    assert "not valid" in response.content.decode()


# Chart


def test_chart_counts_codes_handed_out_per_library_per_month(
    provider_client, pool, library
):
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    long_ago = this_month - datetime.timedelta(days=400)
    batch = pool["central"]
    factories.CodeFactory(
        batch=batch,
        status=CodeStatus.REDEEMED,
        assigned_at=local_noon(last_month + datetime.timedelta(days=3)),
    )
    factories.CodeFactory(
        batch=batch, status=CodeStatus.REDEEMED, assigned_at=local_noon(long_ago)
    )

    response = provider_client.get(DASHBOARD)

    hand_outs = response.context["hand_outs"]
    months = hand_outs["months"]
    assert len(months) == 12
    assert months[-1] == this_month
    by_library = {row["name"]: row for row in hand_outs["libraries"]}
    central = dict(zip(months, by_library[library.name]["counts"], strict=True))
    assert central[this_month] == 3
    assert central[last_month] == 1
    assert by_library[library.name]["total"] == 4
    chart = response.context["chart"]
    all_libraries = {bar["month"]: bar["count"] for bar in chart["bars"]}
    assert all_libraries[this_month] == hand_outs["per_month"][-1] == 4
    assert max(bar["height"] for bar in chart["bars"]) == 100
    page = response.content.decode()
    assert "<svg" in page
    row = re.search(rf"<tr><th scope=\"row\">{library.name}</th>.*?</tr>", page)
    assert row.group().endswith(
        '<td class="text-end heat-1">1</td><td class="text-end heat-4">3</td>'
        '<td class="text-end">4</td></tr>'
    )


# Redeeming


def upload(content, name="usage.csv", content_type="text/csv"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_redeem_marks_reported_codes_redeemed_whatever_their_case(
    provider_client, pool
):
    content = (
        b"code\ncent-asg-0\nCENT-AVL-0\ncent-stale-0\nCENT-RDM-0\n"
        b"CENT-VOID-0\nNOPE-0001\n"
    )

    response = provider_client.post(REDEEM, {"usage_file": upload(content)})

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.changed == 3
    assert summary.not_handed_out == 2
    assert summary.already == 1
    assert summary.refused == [("CENT-VOID-0", CodeStatus.VOID)]
    assert summary.not_found == ["NOPE-0001"]
    states = code_states()
    assert states["CENT-ASG-0"] == CodeStatus.REDEEMED
    assert states["CENT-AVL-0"] == CodeStatus.REDEEMED
    assert states["CENT-STALE-0"] == CodeStatus.REDEEMED
    assert states["CENT-VOID-0"] == CodeStatus.VOID
    assert states["CENT-AVL-1"] == CodeStatus.AVAILABLE
    assert Code.objects.get(value="CENT-ASG-0").redeemed_at is not None
    page = response.content.decode()
    assert "3 codes redeemed" in page
    assert "NOPE-0001" in page


@pytest.mark.parametrize(
    ("content", "label"),
    [
        ("Kod;code;uwagi\nżółć;CENT-ASG-1;ąę\n".encode("cp1250"), "cp1250"),
        ("\ufeffcode,note\nCENT-ASG-1,ok\n".encode(), "utf-8 with BOM"),
        (b"CENT-ASG-1\r\n\r\ncent-avl-2\r\n", "plain list"),
    ],
)
def test_redeem_reads_the_encodings_and_shapes_of_the_import(
    provider_client, pool, content, label
):
    response = provider_client.post(REDEEM, {"usage_file": upload(content)})

    assert response.context["form"].errors == {}, label
    assert code_states()["CENT-ASG-1"] == CodeStatus.REDEEMED


def test_redeem_takes_an_xlsx_workbook_the_file_picker_offers(provider_client, pool):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Kod", "code"])
    workbook.active.append(["x", "CENT-ASG-1"])
    data = io.BytesIO()
    workbook.save(data)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    form = provider_client.get(REDEEM).text
    response = provider_client.post(
        REDEEM, {"usage_file": upload(data.getvalue(), "usage.xlsx", xlsx)}
    )

    field = re.search(r'<input[^>]* name="usage_file"[^>]*>', form).group(0)
    accept = re.search(r'accept="([^"]+)"', field).group(1)
    assert ".xlsx" in accept.split(",")
    assert response.context["form"].errors == {}
    assert code_states()["CENT-ASG-1"] == CodeStatus.REDEEMED


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
    b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01"
    b"\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (PNG, "PNG picture"),
        (b"code\n\n", "holds no codes"),
        (b"code,note\nCENT-AVL-0,x\n,orphan note\n", "Line 3 has no code"),
        (b"code\nCENT-AVL-0\nnot a code!\n", "Line 3"),
        (b"CENT-AVL-0,CENT-AVL-1\n", "several cells"),
        (b"code\n\x81\x83\n", "neither UTF-8 nor Windows-1250"),
        (b'code\n"' + b"A" * 200_000 + b'"\n', "Line 2: cannot be read as CSV"),
        ("code\nŻÓŁW-1234\n".encode(), "Line 2"),
    ],
)
def test_redeem_refuses_a_bad_file_and_changes_nothing(
    provider_client, pool, content, message
):
    before = code_states()

    response = provider_client.post(
        REDEEM, {"usage_file": upload(content, name="codes.png")}
    )

    assert response.status_code == 200
    assert response.context["summary"] is None
    errors = " ".join(response.context["form"].errors["usage_file"])
    assert message in errors
    assert code_states() == before


def test_redeem_refuses_a_file_over_the_size_limit(provider_client, pool, settings):
    settings.CODE_IMPORT_MAX_BYTES = 20
    before = code_states()

    response = provider_client.post(
        REDEEM, {"usage_file": upload(b"code\nCENT-AVL-0\nCENT-AVL-1\n")}
    )

    assert "at most 20" in " ".join(response.context["form"].errors["usage_file"])
    assert code_states() == before


def test_redeem_summary_lists_at_most_50_values_not_found(provider_client, pool):
    content = "code\n" + "\n".join(f"MISSING-{n:03d}" for n in range(60))

    response = provider_client.post(REDEEM, {"usage_file": upload(content.encode())})

    page = response.content.decode()
    assert len(response.context["summary"].not_found) == 60
    assert "MISSING-049" in page
    assert "MISSING-050" not in page
    assert "and 10 more" in page


def test_redeem_and_void_log_counts_never_code_values(provider, pool, caplog):
    caplog.set_level("INFO", logger="codes")

    services.redeem_codes(["CENT-ASG-0", "NOPE-1234"], by=provider)
    services.void_codes(["CENT-AVL-0", "CENT-ASG-1"], by=provider, reason="x")

    assert caplog.records
    for value in ("CENT-ASG-0", "NOPE-1234", "CENT-AVL-0", "CENT-ASG-1"):
        assert value not in caplog.text


# Voiding


def test_void_withdraws_codes_nobody_holds_and_refuses_held_ones(
    provider_client, provider, pool
):
    pasted = (
        "cent-avl-0, CENT-STALE-0\nCENT-EXP-0 cent-asg-0;CENT-RDM-0 CENT-VOID-0 ZZZZ-9"
    )

    response = provider_client.post(
        VOID, {"pasted": pasted, "reason": "Leaked in a newsletter"}
    )

    summary = response.context["summary"]
    assert summary.changed == 3
    assert summary.already == 1
    assert sorted(summary.refused) == [
        ("CENT-ASG-0", CodeStatus.ASSIGNED),
        ("CENT-RDM-0", CodeStatus.REDEEMED),
    ]
    assert summary.not_found == ["ZZZZ-9"]
    states = code_states()
    for value in ("CENT-AVL-0", "CENT-STALE-0", "CENT-EXP-0"):
        assert states[value] == CodeStatus.VOID
    assert states["CENT-ASG-0"] == CodeStatus.ASSIGNED
    assert states["CENT-RDM-0"] == CodeStatus.REDEEMED
    assert Code.objects.get(value="CENT-AVL-0").voided_at is not None
    entry = LogEntry.objects.get(object_id=str(pool["codes"]["available"][0].pk))
    assert entry.user == provider
    assert entry.change_message == "Voided: Leaked in a newsletter"
    assert "3 codes voided" in response.content.decode()


def test_void_takes_codes_from_a_file(provider_client, pool):
    response = provider_client.post(
        VOID,
        {"code_file": upload(b"code\nCENT-AVL-1\n"), "reason": "Batch recalled"},
    )

    assert response.context["summary"].changed == 1
    assert code_states()["CENT-AVL-1"] == CodeStatus.VOID


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"pasted": "CENT-AVL-0", "reason": ""}, "reason"),
        ({"pasted": "", "reason": "Leaked"}, "__all__"),
        ({"pasted": "CENT-AVL-0 <b>x</b>", "reason": "Leaked"}, "pasted"),
    ],
)
def test_void_refuses_incomplete_input_and_changes_nothing(
    provider_client, pool, data, field
):
    before = code_states()

    response = provider_client.post(VOID, data)

    assert field in response.context["form"].errors
    assert response.context["summary"] is None
    assert code_states() == before


# Services


def test_redeem_codes_counts_each_code_once(provider, pool):
    summary = services.redeem_codes(
        ["CENT-ASG-0", "cent-asg-0", " CENT-ASG-0 ", ""], by=provider
    )

    assert summary.changed == 1
    assert summary.not_found == []


def test_expire_codes_marks_available_codes_past_their_last_day(pool):
    stale = pool["codes"]["stale"]

    count = services.expire_codes()

    assert count == 1
    stale.refresh_from_db()
    assert stale.status == CodeStatus.EXPIRED
    assert stale.expired_at is not None
    states = code_states()
    assert states["CENT-AVL-0"] == CodeStatus.AVAILABLE
    assert states["CENT-VOID-0"] == CodeStatus.VOID


def test_expire_codes_takes_the_day_it_is_given(pool):
    count = services.expire_codes(today=days_from_today(11))

    assert count == 3
    assert code_states()["RIVR-AVL-0"] == CodeStatus.EXPIRED
    assert code_states()["RIVR-ASG-0"] == CodeStatus.ASSIGNED


def test_expire_codes_command_prints_how_many_expired(pool):
    out = io.StringIO()

    call_command("expire_codes", stdout=out)

    assert out.getvalue() == "1 codes expired.\n"
    assert code_states()["CENT-STALE-0"] == CodeStatus.EXPIRED

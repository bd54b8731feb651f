"""The provider's status report as CSV and XLSX."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from codes import exports
from codes.exports import escape_cell
from codes.models import CodeStatus
from requests_app.models import CodeRequest, RequestStatus
from tests import factories

EXPORT = reverse("empik:code-export")
HEADER = [
    "code",
    "library",
    "batch",
    "status",
    "valid until",
    "created",
    "assigned",
    "redeemed",
]


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("\0=1", "'\0=1"),
        ("==x", "'==x"),
        ("-ABC1", "'-ABC1"),
    ],
)
def test_escape_cell_makes_formulas_inert(value, escaped):
    assert escape_cell(value) == escaped


@pytest.mark.parametrize(
    "value",
    ["ABCD-1234", "Central spring", "a=b", "", None, 42, datetime.date(2030, 1, 1)],
)
def test_escape_cell_leaves_other_values_unchanged(value):
    assert escape_cell(value) == value


@pytest.fixture
def report(library, other_library):
    """Codes of two libraries, some with values a spreadsheet would run."""
    today = timezone.localdate()
    hostile = factories.CodeBatchFactory(
        name='=HYPERLINK("http://evil.test","x")',
        library=library,
        valid_until=today + datetime.timedelta(days=60),
    )
    plain = factories.CodeBatchFactory(name="Riverside", library=other_library)
    assigned_at = timezone.make_aware(datetime.datetime(2030, 1, 15, 9, 30))
    return {
        "dash": factories.CodeFactory(batch=hostile, value="-ABC1"),
        "assigned": factories.CodeFactory(
            batch=hostile,
            value="ASSIGNED-1",
            status=CodeStatus.ASSIGNED,
            assigned_at=assigned_at,
        ),
        "stale": factories.CodeFactory(
            batch=hostile,
            value="STALE-1",
            valid_until=today - datetime.timedelta(days=1),
        ),
        "riverside": factories.CodeFactory(batch=plain, value="RIVER-1"),
    }


@pytest.fixture
def secret_request(library, report):
    reader = factories.ReaderFactory(
        email="zofia.secret@mail.test",
        full_name="Zofia Sekretna",
        card_number="CARD-777-SECRET",
        home_library=library,
    )
    return CodeRequest.objects.create(
        reader=reader,
        library=library,
        card_number="CARD-888-SECRET",
        status=RequestStatus.APPROVED,
        code=report["assigned"],
    )


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def read_xlsx(response):
    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_csv_export_streams_every_code_with_escaped_cells(provider_client, report):
    response = provider_client.get(EXPORT, {"format": "csv"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="codes-{today}.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == HEADER
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"'-ABC1", "ASSIGNED-1", "STALE-1", "RIVER-1"}
    assert by_code["'-ABC1"][1:4] == [
        "central",
        '\'=HYPERLINK("http://evil.test","x")',
        "available",
    ]
    assert by_code["ASSIGNED-1"][3] == "assigned"
    assert by_code["ASSIGNED-1"][6] == "2030-01-15 09:30:00"
    assert by_code["ASSIGNED-1"][7] == ""
    assert by_code["STALE-1"][3] == "expired"
    assert by_code["RIVER-1"][1:3] == ["riverside", "Riverside"]


def test_xlsx_export_holds_every_code_with_escaped_cells(provider_client, report):
    response = provider_client.get(EXPORT, {"format": "xlsx"})

    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert f'filename="codes-{today}.xlsx"' in response["Content-Disposition"]
    rows = read_xlsx(response)
    assert rows[0] == HEADER
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"'-ABC1", "ASSIGNED-1", "STALE-1", "RIVER-1"}
    dash = by_code["'-ABC1"]
    assert dash[2] == '\'=HYPERLINK("http://evil.test","x")'
    assert dash[4] == datetime.datetime.combine(
        report["dash"].valid_until, datetime.time()
    )
    assert by_code["ASSIGNED-1"][6] == datetime.datetime(2030, 1, 15, 9, 30)
    assert by_code["ASSIGNED-1"][7] is None
    assert by_code["STALE-1"][3] == "expired"


def test_xlsx_cells_are_text_not_formulas(provider_client, report):
    response = provider_client.get(EXPORT, {"format": "xlsx"})

    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_export_carries_the_dashboard_filters(
    provider_client, report, other_library, export_format
):
    response = provider_client.get(
        EXPORT, {"format": export_format, "library": other_library.pk}
    )

    rows = read_csv(response) if export_format == "csv" else read_xlsx(response)
    assert [row[0] for row in rows[1:]] == ["RIVER-1"]


def test_export_counts_stale_available_codes_as_expired(provider_client, report):
    response = provider_client.get(EXPORT, {"status": "expired"})

    assert [row[0] for row in read_csv(response)[1:]] == ["STALE-1"]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_export_holds_no_personal_data_of_readers(
    provider_client, secret_request, export_format
):
    response = provider_client.get(EXPORT, {"format": export_format})

    rows = read_csv(response) if export_format == "csv" else read_xlsx(response)
    text = repr(rows)
    assert "ASSIGNED-1" in text
    for secret in ("zofia", "Zofia", "Sekretna", "CARD-777", "CARD-888"):
        assert secret not in text


@pytest.mark.parametrize(
    "query", [{"format": "pdf"}, {"format": "csv", "library": "999999"}]
)
def test_export_refuses_an_unknown_format_or_bad_filters(
    provider_client, report, query
):
    response = provider_client.get(EXPORT, query)

    assert response.status_code == 400


def test_xlsx_export_of_too_many_codes_sends_back_to_the_dashboard(
    provider_client, report, library, monkeypatch
):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)

    too_many = provider_client.get(EXPORT, {"format": "xlsx", "library": library.pk})
    few_enough = provider_client.get(EXPORT, {"format": "xlsx", "status": "void"})
    as_csv = provider_client.get(EXPORT, {"format": "csv", "library": library.pk})

    assert too_many.status_code == 302
    assert too_many.url == f"{reverse('empik:dashboard')}?library={library.pk}"
    page = provider_client.get(too_many.url).content.decode()
    assert "at most 2 codes and these filters match 3" in page
    assert few_enough.status_code == 200
    assert len(read_csv(as_csv)) == 4


def test_export_is_not_cached(provider_client, report):
    response = provider_client.get(EXPORT)

    assert "no-store" in response["Cache-Control"]

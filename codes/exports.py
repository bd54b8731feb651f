"""The provider's status report as CSV or XLSX.

Both formats read the codes in chunks, so that a million rows never sit in
memory: the CSV goes out while it is read, the XLSX is written row by row to
a temporary file and sent from there.
"""

import csv
import datetime
import io
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from codes.filters import with_effective_status

# The heading, the field and the XLSX column width of each column.
COLUMNS = [
    ("code", "value", 24),
    ("library", "library__slug", 16),
    ("batch", "batch__name", 24),
    ("status", "effective_status", 12),
    ("valid until", "valid_until", 12),
    ("created", "created_at", 20),
    ("assigned", "assigned_at", 20),
    ("redeemed", "redeemed_at", 20),
]
HEADER = [heading for heading, _, _ in COLUMNS]
FIELDS = [field for _, field, _ in COLUMNS]
CHUNK_SIZE = 2000
CSV_ROWS_PER_WRITE = 500
# openpyxl writes about 2,000 rows a second: more would outlast a worker's
# timeout. The CSV export has no such limit.
XLSX_MAX_ROWS = 50_000

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def escape_cell(value):
    """Make a text cell that a spreadsheet would run as a formula inert."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_rows(codes, *, today):
    """The report's rows for ``codes``: escaped text, local naive times."""
    rows = (
        with_effective_status(codes, today)
        .order_by("pk")
        .values_list(*FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    zone = timezone.get_current_timezone()
    for row in rows:
        yield [_cell(value, zone) for value in row]


def _cell(value, zone):
    # Spreadsheets know no time zones: times go out as the local wall clock.
    if isinstance(value, datetime.datetime):
        return value.astimezone(zone).replace(tzinfo=None, microsecond=0)
    return escape_cell(value)


def export_filename(extension, *, today):
    return f"codes-{today.isoformat()}.{extension}"


def csv_response(codes, *, today):
    """Stream the report as UTF-8 CSV, with a BOM so that Excel reads it so."""
    return StreamingHttpResponse(
        _csv_chunks(export_rows(codes, today=today)),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition_header(
                as_attachment=True, filename=export_filename("csv", today=today)
            )
        },
    )


def _csv_chunks(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([escape_cell(name) for name in HEADER])
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % CSV_ROWS_PER_WRITE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_response(codes, *, today):
    """Send the report as an XLSX workbook of one sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("codes")
    for index, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([escape_cell(name) for name in HEADER])
    for row in export_rows(codes, today=today):
        sheet.append(row)

    # The response closes the file, and so deletes it, once it is sent.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=export_filename("xlsx", today=today),
        content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
    )

"""Code files read as rows: CSV in UTF-8 or Windows-1250, or XLSX."""

import codecs
import csv
import io
import logging
from datetime import date, datetime
from itertools import chain

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

READ_CHUNK = 1 << 20
# What a file starting with each signature is, said to the person who sent it.
SIGNATURES = {
    b"\x89PNG": gettext_lazy(
        "The file is a PNG picture, not a CSV or XLSX table of codes."
    ),
    b"\xff\xd8\xff": gettext_lazy(
        "The file is a JPEG picture, not a CSV or XLSX table of codes."
    ),
    b"GIF8": gettext_lazy(
        "The file is a GIF picture, not a CSV or XLSX table of codes."
    ),
    b"%PDF": gettext_lazy(
        "The file is a PDF document, not a CSV or XLSX table of codes."
    ),
    b"\xd0\xcf\x11\xe0": gettext_lazy(
        "The file is an old Excel (XLS) workbook; save it as XLSX or CSV, not a "
        "CSV or XLSX table of codes."
    ),
}


class NotATable(Exception):
    """The file cannot be read as a table of codes at all."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


def read_table(stream):
    """Yield (line, cells) of a CSV file or an XLSX workbook's first sheet."""
    start = stream.read(8)
    stream.seek(0)
    if start.startswith(b"PK\x03\x04"):
        return _xlsx_rows(stream)
    for signature, message in SIGNATURES.items():
        if start.startswith(signature):
            raise NotATable(str(message))
    return _csv_rows(stream, _encoding_of(stream))


def _encoding_of(stream):
    """UTF-8 (a BOM is dropped) when the whole file decodes so, else cp1250."""
    for scan, encoding in (("utf-8", "utf-8-sig"), ("cp1250", "cp1250")):
        decoder = codecs.getincrementaldecoder(scan)()
        stream.seek(0)
        try:
            while chunk := stream.read(READ_CHUNK):
                if b"\x00" in chunk:
                    raise NotATable(
                        _("The file is not a text (CSV) file or an XLSX workbook.")
                    )
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
        return encoding
    raise NotATable(_("The file is neither UTF-8 nor Windows-1250 text."))


def _csv_rows(stream, encoding):
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        header = text.readline()
        if not header:
            return
        delimiter = ";" if header.count(";") > header.count(",") else ","
        reader = csv.reader(chain([header], text), delimiter=delimiter)
        line = 1
        try:
            for cells in reader:
                yield line, cells
                line = reader.line_num + 1
        except csv.Error as exc:
            raise NotATable(
                _("cannot be read as CSV (%(error)s).") % {"error": exc}, line=line
            )
    finally:
        # Leave the caller's file open.
        text.detach()


def _xlsx_rows(stream):
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:
        # openpyxl raises many kinds of errors for a broken workbook.
        logger.warning("Code file: not a readable workbook (%r)", exc)
        raise NotATable(_("The file could not be read as an XLSX workbook."))
    try:
        sheet = workbook.worksheets[0]
        # Writers often record a wrong sheet size; rows past it would be lost.
        sheet.reset_dimensions()
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(cell) for cell in cells]
    except Exception as exc:
        logger.warning("Code file: not a readable workbook (%r)", exc)
        raise NotATable(_("The file could not be read as an XLSX workbook."))
    finally:
        workbook.close()


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

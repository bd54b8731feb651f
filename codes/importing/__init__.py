"""Loading codes from files: one set of rules for the admin and the command.

A file is read as a stream of rows and every row is checked; only a file
without a single bad row is loaded, a batch and all its codes in one
transaction. The rows are held as plain strings and dates, never as model
instances, so that a million codes fit in memory alongside the process.
"""

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from codes.importing import database
from codes.importing.reading import NotATable, read_table
from codes.models import CodeBatch
from codes.signals import codes_loaded

logger = logging.getLogger(__name__)

CODE_COLUMN = "code"
VALID_UNTIL_COLUMN = "valid_until"
MIN_LENGTH = 4
MAX_LENGTH = 64
# ASCII only: Python's upper case and PostgreSQL's agree on it, so the
# duplicate checks here agree with the database's case-blind unique index.
CODE_CHARACTER = "[A-Za-z0-9-]"
CODE_CHARACTERS = re.compile(rf"{CODE_CHARACTER}+")
DATE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")
PREVIEW_ROWS = 20


class RowError(NamedTuple):
    """What is wrong with one line of a file, or with the whole file."""

    line: int | None
    message: str

    def __str__(self):
        if not self.line:
            return self.message
        return _("Line %(line)s: %(message)s") % {
            "line": self.line,
            "message": self.message,
        }


@dataclass
class CheckedCodes:
    """The rows of a file, checked: ready to load when ``errors`` is empty."""

    file_name: str = ""
    valid_until: date | None = None
    errors: list = field(default_factory=list)
    # Every code by its upper-case form, with the line it came from.
    lines: dict = field(default_factory=dict)
    values: list = field(default_factory=list)
    dates: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def count(self):
        return len(self.values)

    @property
    def earliest(self):
        return min(self.dates, default=None)

    @property
    def latest(self):
        return max(self.dates, default=None)

    def preview(self, size=PREVIEW_ROWS):
        """The first rows as (line, code, valid until)."""
        return [
            (self.lines[value.upper()], value, day)
            for value, day in zip(self.values[:size], self.dates[:size], strict=True)
        ]


@dataclass
class ImportResult:
    """A loaded batch, or the reasons why nothing was loaded."""

    batch: CodeBatch | None = None
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return self.batch is not None

    @property
    def count(self):
        return self.batch.size if self.batch else 0


def size_error(size):
    """Why a file of ``size`` bytes is refused unread, or None."""
    limit = settings.CODE_IMPORT_MAX_BYTES
    if size <= limit:
        return None
    return _(
        "The file is %(size)s; a code file may be at most %(limit)s. "
        "Split it into smaller files."
    ) % {"size": _bytes(size), "limit": _bytes(limit)}


def check_code_file(source, file_name="", *, valid_until=None):
    """Read and check a CSV or XLSX file given as bytes or a binary file."""
    checked = CheckedCodes(file_name=file_name, valid_until=valid_until)
    message = size_error(_size_of(source))
    if message:
        checked.errors.append(RowError(None, message))
        return checked

    if isinstance(source, bytes | bytearray | memoryview):
        stream = io.BytesIO(source)
    else:
        stream = source.file if isinstance(source, File) else source
        stream.seek(0)
    try:
        rows = read_table(stream)
        header = next(rows, None)
        if header is None:
            raise NotATable(_("The file is empty."))
        code_index, date_index = _columns(header[1], valid_until)
        _check_rows(checked, rows, code_index, date_index)
    except NotATable as exc:
        checked.errors.append(RowError(exc.line, str(exc)))
    else:
        _check_loaded(checked)

    checked.errors.sort(key=_line_order)
    return checked


def check_code_values(values, *, valid_until):
    """Check codes given as a list; an item's position stands for its line."""
    checked = CheckedCodes(valid_until=valid_until)
    if valid_until is None:
        checked.errors.append(RowError(None, _("The batch needs a valid-until date.")))
        return checked

    rows = ((line, [str(value)]) for line, value in enumerate(values, start=1))
    _check_rows(checked, rows, 0, None)
    _check_loaded(checked)
    checked.errors.sort(key=_line_order)
    return checked


def import_code_file(
    source, file_name, *, library, batch_name="", valid_until=None, loaded_by=None
):
    """Check a code file and load it as one batch for ``library``, or nothing."""
    checked = check_code_file(source, file_name, valid_until=valid_until)
    return load_codes(
        checked, library=library, batch_name=batch_name, loaded_by=loaded_by
    )


def import_code_values(
    values, *, library, batch_name, valid_until, loaded_by=None, source_name=""
):
    """Check codes given as a list and load them as one batch, or nothing."""
    checked = check_code_values(values, valid_until=valid_until)
    checked.file_name = source_name
    return load_codes(
        checked, library=library, batch_name=batch_name, loaded_by=loaded_by
    )


def load_codes(checked, *, library, batch_name="", loaded_by=None):
    """Load checked codes as a new batch in one transaction, or nothing."""
    if not checked.ok:
        logger.warning(
            "Library %s: code file refused, %s errors",
            library.slug,
            len(checked.errors),
        )
        return ImportResult(errors=checked.errors)

    try:
        with transaction.atomic():
            batch = CodeBatch.objects.create(
                name=(batch_name or checked.file_name or "Codes")[:200],
                library=library,
                valid_until=checked.valid_until or checked.latest,
                loaded_by=loaded_by,
                source_name=checked.file_name[:255],
                size=checked.count,
            )
            database.insert_codes(batch, checked)
    except IntegrityError:
        # Someone loaded some of these codes between the check and the insert.
        errors = _loaded_errors(checked) or [
            RowError(
                None,
                _(
                    "The database refused the codes, most likely because someone "
                    "loaded some of them at the same moment. Nothing was loaded; "
                    "try again."
                ),
            )
        ]
        logger.warning(
            "Library %s: code file refused at insert, %s codes loaded meanwhile",
            library.slug,
            len(errors),
        )
        return ImportResult(errors=errors)

    # A failing listener must not turn a committed load into an error page.
    transaction.on_commit(
        partial(codes_loaded.send, sender=CodeBatch, batch=batch, library=library),
        robust=True,
    )
    logger.info(
        "Batch %s: loaded %s codes for library %s", batch.pk, batch.size, library.slug
    )
    return ImportResult(batch=batch)


def _bytes(size):
    return filesizeformat(size).replace("\xa0", " ")


def _line_order(error):
    return error.line or 0


def _shown(value, limit=24):
    """A value quoted for an error message, cut short when long."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _size_of(source):
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    size = getattr(source, "size", None)
    if size is not None:
        return size
    position = source.tell()
    size = source.seek(0, io.SEEK_END)
    source.seek(position)
    return size


def _columns(header, valid_until):
    """The positions of the code and the valid_until columns in ``header``."""
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    if CODE_COLUMN not in names:
        found = ", ".join(_shown(name) for name in names[:5] if name)
        if found:
            message = _(
                "The first line names no %(column)s column (it names %(found)s)."
            )
        else:
            message = _("The first line names no %(column)s column; it is blank.")
        raise NotATable(message % {"column": repr(CODE_COLUMN), "found": found})
    date_index = (
        names.index(VALID_UNTIL_COLUMN) if VALID_UNTIL_COLUMN in names else None
    )
    if date_index is None and valid_until is None:
        raise NotATable(
            _(
                "The file has no %(column)s column, so the batch needs a "
                "valid-until date."
            )
            % {"column": repr(VALID_UNTIL_COLUMN)}
        )
    return names.index(CODE_COLUMN), date_index


def _check_rows(checked, rows, code_index, date_index):
    """Check each row; collect the good ones and an error for each bad one."""
    today = timezone.localdate()
    errors, lines, values, dates = (
        checked.errors,
        checked.lines,
        checked.values,
        checked.dates,
    )
    default = checked.valid_until
    if default is not None and default < today:
        errors.append(
            RowError(
                None,
                _("The batch's valid-until date %(day)s is in the past.")
                % {"day": default},
            )
        )
    # The few distinct dates of a file, parsed once: a date or an error.
    parsed = {}
    bad_keys = set()

    for line, cells in rows:
        value = cells[code_index].strip() if code_index < len(cells) else ""
        if not value:
            if any(cell.strip() for cell in cells):
                errors.append(RowError(line, _("the code is empty.")))
            continue
        if len(value) < MIN_LENGTH:
            message = _(
                "%(code)s is too short: a code is %(min)s to %(max)s letters A-Z, "
                "digits or dashes."
            )
        elif len(value) > MAX_LENGTH:
            message = ngettext(
                "%(code)s is too long (%(length)s character): a code is %(min)s "
                "to %(max)s letters A-Z, digits or dashes.",
                "%(code)s is too long (%(length)s characters): a code is %(min)s "
                "to %(max)s letters A-Z, digits or dashes.",
                len(value),
            )
        elif not CODE_CHARACTERS.fullmatch(value):
            message = _(
                "%(code)s has characters a code cannot have: a code is %(min)s "
                "to %(max)s letters A-Z, digits or dashes."
            )
        else:
            message = None
        if message:
            shown = {
                "code": _shown(value),
                "length": len(value),
                "min": MIN_LENGTH,
                "max": MAX_LENGTH,
            }
            errors.append(RowError(line, message % shown))
            continue

        key = value.upper()
        if key == value:
            key = value  # One string for the value and its key saves memory.
        first = lines.get(key)
        if first is not None:
            errors.append(
                RowError(
                    line,
                    _("%(code)s repeats the code on line %(line)s.")
                    % {"code": _shown(value), "line": first},
                )
            )
            continue
        lines[key] = line

        day = default
        if date_index is not None:
            raw = cells[date_index].strip() if date_index < len(cells) else ""
            if raw:
                day = parsed.get(raw)
                if day is None:
                    day = parsed[raw] = _parse_date(raw, today)
        if not isinstance(day, date):
            bad_keys.add(key)
            reason = day or (
                _("no %(column)s and no batch date.") % {"column": VALID_UNTIL_COLUMN}
            )
            errors.append(RowError(line, reason))
            continue
        values.append(value)
        dates.append(day)

    if not values and not errors:
        errors.append(RowError(None, _("The file has no codes.")))
    for key in bad_keys:
        del lines[key]


def _parse_date(raw, today):
    """A date from YYYY-MM-DD, or the reason why not (a string)."""
    shown = {"column": VALID_UNTIL_COLUMN, "value": _shown(raw)}
    if not DATE_FORMAT.fullmatch(raw):
        return _("%(column)s %(value)s is not a date as YYYY-MM-DD.") % shown
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return _("%(column)s %(value)s is not a date.") % shown
    if day < today:
        return _("%(column)s %(day)s is in the past.") % {**shown, "day": day}
    return day


def _check_loaded(checked):
    checked.errors.extend(_loaded_errors(checked))


def _loaded_errors(checked):
    """An error for each code of ``checked`` that the database already has."""
    lines = checked.lines
    return sorted(
        RowError(lines[key], _("%(code)s is already loaded.") % {"code": _shown(key)})
        for key in database.find_loaded(lines)
    )

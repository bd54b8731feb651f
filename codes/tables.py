"""The provider's figure tables, rendered a row at a time."""

import django_tables2 as tables
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from codes.filters import STATUS_FIGURES
from codeshare.tables import RowTable, day, text

NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end"}}
# How many shades the hand-out table has besides none.
HEAT_LEVELS = 4


def numbers(record):
    """The status figures of one row, as right-aligned cells.

    Whole numbers need no escaping, and escaping them cost more than
    writing them on a page of many figures.
    """
    return mark_safe(
        "".join(
            f'<td class="text-end">{int(record[key])}</td>' for key in STATUS_FIGURES
        )
    )


class FiguresTable(RowTable):
    """Codes counted by status, one row per group of the table's kind."""

    available = tables.Column(_("Available"), attrs=NUMBER)
    assigned = tables.Column(_("Assigned"), attrs=NUMBER)
    redeemed = tables.Column(_("Redeemed"), attrs=NUMBER)
    expired = tables.Column(_("Expired"), attrs=NUMBER)
    void = tables.Column(_("Void"), attrs=NUMBER)
    total = tables.Column(pgettext_lazy("codes", "All"), attrs=NUMBER)

    class Meta(RowTable.Meta):
        attrs = {"class": "table table-sm table-striped align-middle"}
        empty_text = _("No codes match the filters.")


class LibraryFiguresTable(FiguresTable):
    caption = _("Codes by library")

    library_name = tables.Column(_("Library"))
    library_slug = tables.Column(_("Slug"))

    class Meta(FiguresTable.Meta):
        sequence = ("library_name", "library_slug", "...")

    def row(self, record):
        return mark_safe(
            f"<tr><td>{text(record['library_name'])}</td>"
            f"<td>{text(record['library_slug'])}</td>{numbers(record)}</tr>"
        )


class BatchFiguresTable(FiguresTable):
    caption = _("Codes by batch")

    batch_name = tables.Column(_("Batch"))
    library_slug = tables.Column(_("Library"))
    batch_loaded_at = tables.Column(_("Loaded"))
    batch_valid_until = tables.Column(_("Valid until"))

    class Meta(FiguresTable.Meta):
        sequence = (
            "batch_name",
            "library_slug",
            "batch_loaded_at",
            "batch_valid_until",
            "...",
        )

    def row(self, record):
        return mark_safe(
            f"<tr><td>{text(record['batch_name'])}</td>"
            f"<td>{text(record['library_slug'])}</td>"
            f"<td>{day(record['batch_loaded_at'])}</td>"
            f"<td>{day(record['batch_valid_until'])}</td>{numbers(record)}</tr>"
        )


class ExpiringBatchTable(RowTable):
    caption = _("Batches with available codes expiring within 30 days")

    batch_name = tables.Column(_("Batch"))
    library_slug = tables.Column(_("Library"))
    first_expiry = tables.Column(_("First expiry"))
    last_expiry = tables.Column(_("Last expiry"))
    expiring = tables.Column(_("Codes expiring"), attrs=NUMBER)

    class Meta(RowTable.Meta):
        attrs = {"class": "table table-sm table-striped align-middle"}
        empty_text = _("No available code expires within 30 days.")

    def row(self, record):
        return mark_safe(
            f"<tr><td>{text(record['batch_name'])}</td>"
            f"<td>{text(record['library_slug'])}</td>"
            f"<td>{day(record['first_expiry'])}</td>"
            f"<td>{day(record['last_expiry'])}</td>"
            f'<td class="text-end">{int(record["expiring"])}</td></tr>'
        )


class HandOutTable:
    """Codes handed out per library and month, each cell shaded by its count.

    Not a django-tables2 table: it neither sorts nor pages, and drawing a
    header cell for each of its months that way cost more than its rows.
    """

    def __init__(self, hand_outs):
        self.months = hand_outs["months"]
        self.libraries = hand_outs["libraries"]
        self.peak = max((max(row["counts"]) for row in self.libraries), default=0)

    def rows(self):
        return [
            mark_safe(
                f'<tr><th scope="row">{text(library["name"])}</th>'
                f"{self.cells(library['counts'])}"
                f'<td class="text-end">{int(library["total"])}</td></tr>'
            )
            for library in self.libraries
        ]

    def cells(self, counts):
        return "".join(
            f'<td class="text-end heat-{self.heat(count)}">{int(count)}</td>'
            for count in counts
        )

    def heat(self, count):
        """The shade of a cell: 0 for none, up to HEAT_LEVELS for the peak."""
        if not count:
            return 0
        return max(1, round(HEAT_LEVELS * count / self.peak))

"""The librarian's and the reader's lists of requests and codes."""

import django_tables2 as tables
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from codes.models import Code
from codeshare.tables import (
    EMPTY,
    RequestLinks,
    RowTable,
    day,
    minute,
    status_badge,
    text,
)
from requests_app.models import CodeRequest


def cells(*values):
    """A ``<tr>`` of cells holding ``values``, which are HTML already."""
    return mark_safe("<tr><td>" + "</td><td>".join(values) + "</td></tr>")


class LinkingTable(RowTable):
    """A table whose rows link to requests, at the page ``link_to`` names."""

    link_to = "library:request-review"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_link = RequestLinks(self.link_to)


class QueueTable(LinkingTable):
    id = tables.Column(verbose_name=_("Request"))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.Column(verbose_name=_("Asked"))
    card_number = tables.Column(verbose_name=_("Card number"))
    reader = tables.Column(verbose_name=_("Reader"), order_by="reader__full_name")
    decided_at = tables.Column(verbose_name=_("Decided"))

    class Meta(RowTable.Meta):
        model = CodeRequest
        fields = ["id", "status", "created_at", "card_number", "reader", "decided_at"]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No requests match.")

    def row(self, record):
        return cells(
            self.request_link(record.pk),
            status_badge(record),
            minute(record.created_at),
            text(record.card_number),
            text(record.reader.full_name),
            minute(record.decided_at),
        )


class ReaderRequestTable(LinkingTable):
    link_to = "requests:request-detail"

    id = tables.Column(verbose_name=_("Request"))
    library = tables.Column(verbose_name=_("Library"))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.Column(verbose_name=_("Asked"))
    decided_at = tables.Column(verbose_name=_("Decided"))

    class Meta(RowTable.Meta):
        model = CodeRequest
        fields = ["id", "library", "status", "created_at", "decided_at"]
        attrs = {"class": "table table-sm align-middle"}
        empty_text = _("You have not asked for a code yet.")
        orderable = False

    def row(self, record):
        return cells(
            self.request_link(record.pk),
            text(record.library.name),
            status_badge(record),
            minute(record.created_at),
            minute(record.decided_at),
        )


class LibraryCodeTable(LinkingTable):
    value = tables.Column(verbose_name=_("Code"))
    status = tables.Column(verbose_name=_("Status"))
    valid_until = tables.Column(verbose_name=_("Valid until"))
    batch = tables.Column(verbose_name=_("Batch"), order_by="batch__name")
    request = tables.Column(verbose_name=_("Went to request"), orderable=False)
    assigned_at = tables.Column(verbose_name=_("Handed out"))

    class Meta(RowTable.Meta):
        model = Code
        fields = ["value", "status", "valid_until", "batch", "request", "assigned_at"]
        attrs = {"class": "table table-sm align-middle"}
        empty_text = _("No codes match.")

    def row(self, record):
        request = getattr(record, "request", None)
        return cells(
            text(record.value),
            status_badge(record),
            day(record.valid_until),
            text(record.batch.name),
            self.request_link(request.pk) if request else EMPTY,
            minute(record.assigned_at),
        )

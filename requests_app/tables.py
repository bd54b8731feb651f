import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from codes.models import Code
from requests_app.models import CodeRequest


class StatusColumn(tables.Column):
    def render(self, value, record):
        return format_html(
            '<span class="badge status-{}">{}</span>',
            record.status,
            record.get_status_display(),
        )


class RequestNumberColumn(tables.Column):
    """A request's number, "#12", as a link that a screen reader names in full."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "attrs",
            {
                "a": {
                    "aria-label": lambda value: (
                        gettext("Request #%(number)s") % {"number": value}
                    )
                }
            },
        )
        super().__init__(*args, **kwargs)

    def render(self, value):
        return f"#{value}"


class QueueTable(tables.Table):
    id = RequestNumberColumn(
        verbose_name=_("Request"),
        linkify=("library:request-review", [tables.A("pk")]),
    )
    status = StatusColumn(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Asked"), format="Y-m-d H:i")
    card_number = tables.Column(verbose_name=_("Card number"))
    reader = tables.Column(
        verbose_name=_("Reader"),
        accessor="reader__full_name",
        order_by="reader__full_name",
    )
    decided_at = tables.DateTimeColumn(verbose_name=_("Decided"), format="Y-m-d H:i")

    class Meta:
        model = CodeRequest
        fields = ["id", "status", "created_at", "card_number", "reader", "decided_at"]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No requests match.")


class ReaderRequestTable(tables.Table):
    id = RequestNumberColumn(
        verbose_name=_("Request"), linkify=("requests:request-detail", [tables.A("pk")])
    )
    library = tables.Column(verbose_name=_("Library"))
    status = StatusColumn(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Asked"), format="Y-m-d H:i")
    decided_at = tables.DateTimeColumn(verbose_name=_("Decided"), format="Y-m-d H:i")

    class Meta:
        model = CodeRequest
        fields = ["id", "library", "status", "created_at", "decided_at"]
        attrs = {"class": "table table-sm align-middle"}
        empty_text = _("You have not asked for a code yet.")
        orderable = False


class LibraryCodeTable(tables.Table):
    value = tables.Column(verbose_name=_("Code"))
    status = StatusColumn(verbose_name=_("Status"))
    valid_until = tables.DateColumn(verbose_name=_("Valid until"), format="Y-m-d")
    batch = tables.Column(
        verbose_name=_("Batch"), accessor="batch__name", order_by="batch__name"
    )
    request = RequestNumberColumn(
        verbose_name=_("Went to request"),
        accessor="request__pk",
        linkify=lambda record: (
            record.request.get_review_url() if hasattr(record, "request") else None
        ),
        orderable=False,
    )
    assigned_at = tables.DateTimeColumn(
        verbose_name=_("Handed out"), format="Y-m-d H:i"
    )

    class Meta:
        model = Code
        fields = ["value", "status", "valid_until", "batch", "request", "assigned_at"]
        attrs = {"class": "table table-sm align-middle"}
        empty_text = _("No codes match.")

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end"}}


class FiguresTable(tables.Table):
    """Codes counted by status, one row per group of the table's kind."""

    available = tables.Column(_("Available"), attrs=NUMBER)
    assigned = tables.Column(_("Assigned"), attrs=NUMBER)
    redeemed = tables.Column(_("Redeemed"), attrs=NUMBER)
    expired = tables.Column(_("Expired"), attrs=NUMBER)
    void = tables.Column(_("Void"), attrs=NUMBER)
    total = tables.Column(pgettext_lazy("codes", "All"), attrs=NUMBER)

    class Meta:
        template_name = "codes/partials/table.html"
        attrs = {"class": "table table-sm table-striped align-middle"}


class LibraryFiguresTable(FiguresTable):
    caption = _("Codes by library")

    library_name = tables.Column(_("Library"))
    library_slug = tables.Column(_("Slug"))

    class Meta(FiguresTable.Meta):
        sequence = ("library_name", "library_slug", "...")
        empty_text = _("No codes match the filters.")


class BatchFiguresTable(FiguresTable):
    caption = _("Codes by batch")

    batch_name = tables.Column(_("Batch"))
    library_slug = tables.Column(_("Library"))
    batch_valid_until = tables.DateColumn(verbose_name=_("Valid until"), format="Y-m-d")
    batch_loaded_at = tables.DateTimeColumn(verbose_name=_("Loaded"), format="Y-m-d")

    class Meta(FiguresTable.Meta):
        sequence = (
            "batch_name",
            "library_slug",
            "batch_loaded_at",
            "batch_valid_until",
            "...",
        )
        empty_text = _("No codes match the filters.")


class ExpiringBatchTable(tables.Table):
    caption = _("Batches with available codes expiring within 30 days")

    batch_name = tables.Column(_("Batch"))
    library_slug = tables.Column(_("Library"))
    first_expiry = tables.DateColumn(verbose_name=_("First expiry"), format="Y-m-d")
    last_expiry = tables.DateColumn(verbose_name=_("Last expiry"), format="Y-m-d")
    expiring = tables.Column(_("Codes expiring"), attrs=NUMBER)

    class Meta:
        template_name = "codes/partials/table.html"
        attrs = {"class": "table table-sm table-striped align-middle"}
        empty_text = _("No available code expires within 30 days.")

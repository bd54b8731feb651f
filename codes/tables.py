import django_tables2 as tables

NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end"}}


class FiguresTable(tables.Table):
    """Codes counted by status, one row per group of the table's kind."""

    available = tables.Column("Available", attrs=NUMBER)
    assigned = tables.Column("Assigned", attrs=NUMBER)
    redeemed = tables.Column("Redeemed", attrs=NUMBER)
    expired = tables.Column("Expired", attrs=NUMBER)
    void = tables.Column("Void", attrs=NUMBER)
    total = tables.Column("All", attrs=NUMBER)

    class Meta:
        template_name = "codes/partials/table.html"
        attrs = {"class": "table table-sm table-striped align-middle"}


class LibraryFiguresTable(FiguresTable):
    caption = "Codes by library"

    library_name = tables.Column("Library")
    library_slug = tables.Column("Slug")

    class Meta(FiguresTable.Meta):
        sequence = ("library_name", "library_slug", "...")
        empty_text = "No codes match the filters."


class BatchFiguresTable(FiguresTable):
    caption = "Codes by batch"

    batch_name = tables.Column("Batch")
    library_slug = tables.Column("Library")
    batch_valid_until = tables.DateColumn(verbose_name="Valid until", format="Y-m-d")
    batch_loaded_at = tables.DateTimeColumn(verbose_name="Loaded", format="Y-m-d")

    class Meta(FiguresTable.Meta):
        sequence = (
            "batch_name",
            "library_slug",
            "batch_loaded_at",
            "batch_valid_until",
            "...",
        )
        empty_text = "No codes match the filters."


class ExpiringBatchTable(tables.Table):
    caption = "Batches with available codes expiring within 30 days"

    batch_name = tables.Column("Batch")
    library_slug = tables.Column("Library")
    first_expiry = tables.DateColumn(verbose_name="First expiry", format="Y-m-d")
    last_expiry = tables.DateColumn(verbose_name="Last expiry", format="Y-m-d")
    expiring = tables.Column("Codes expiring", attrs=NUMBER)

    class Meta:
        template_name = "codes/partials/table.html"
        attrs = {"class": "table table-sm table-striped align-middle"}
        empty_text = "No available code expires within 30 days."

"""Tables whose rows are rendered a row at a time, and the cells they share.

django-tables2 renders a table cell by cell: for every cell it inspects the
column's render signature, and a date column compiles a template. On a page
of 25 requests that cost more than the rest of the page together. A
``RowTable`` keeps django-tables2's headers, sort orders and pagination, and
renders each row with one call to its ``row`` method.
"""

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

EMPTY = "—"


class RowTable(tables.Table):
    class Meta:
        template_name = "partials/table.html"

    def row(self, record):
        """The ``<tr>`` of one record, as safe HTML."""
        raise NotImplementedError

    def rendered_rows(self):
        return [self.row(row.record) for row in self.paginated_rows]


def minute(value):
    """A moment as 2026-12-03 09:41 in the current time zone, or a dash."""
    if value is None:
        return EMPTY
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def day(value):
    """A date as 2026-12-03, or a dash."""
    return value.strftime("%Y-%m-%d") if value else EMPTY


def status_badge(record):
    """A request's or a code's status as a coloured badge."""
    return format_html(
        '<span class="badge status-{}">{}</span>', record.status, record.status_label
    )


class RequestLinks:
    """Links to requests, #12, that a screen reader names in full.

    The name's wording is translated once per table, not once per row.
    """

    def __init__(self):
        self.name = gettext("Request #%(number)s")

    def __call__(self, number, url):
        return format_html(
            '<a href="{}" aria-label="{}">#{}</a>',
            url,
            self.name % {"number": number},
            number,
        )

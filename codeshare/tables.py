"""Tables drawn a row at a time, and the cells they share.

django-tables2 renders a table cell by cell: for every cell it inspects the
column's render signature, a date column compiles a template, and every
header cell and page link goes through template tags of its own. On a page
of 25 requests that cost more than the rest of the page together. A
``RowTable`` keeps django-tables2's columns, sort orders and pagination,
renders each row with one call to its ``row`` method, and writes its header
and its page links itself; ``partials/table.html`` puts them together. Rows
are written as plain strings, each value through ``text`` (the escaping
Django's templates do), without ``format_html``'s per-value checks for lazy
strings.
"""

import datetime
import html

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

EMPTY = "—"
ARIA_SORT = {False: "ascending", True: "descending"}


class RowTable(tables.Table):
    class Meta:
        template_name = "partials/table.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The query string without one parameter, encoded once per parameter.
        self._other_parameters = {}

    def row(self, record):
        """The ``<tr>`` of one record, as safe HTML."""
        raise NotImplementedError

    def rendered_rows(self):
        return [self.row(row.record) for row in self.paginated_rows]

    def header(self):
        """The header cells; a sortable column's name links to its next order."""
        return mark_safe("".join(self._header_cell(column) for column in self.columns))

    def _header_cell(self, column):
        css = column.column.attrs.get("th", {}).get("class")
        css = format_html(' class="{}"', css) if css else ""
        if not column.orderable:
            return format_html('<th scope="col"{}>{}</th>', css, column.header)
        link = self.query_with(self.prefixed_order_by_field, column.order_by_alias.next)
        sort = ""
        if column.is_ordered:
            sort = format_html(
                ' aria-sort="{}"', ARIA_SORT[column.order_by_alias.is_descending]
            )
        return format_html(
            '<th scope="col"{}{}><a href="{}">{}</a></th>',
            css,
            sort,
            link,
            column.header,
        )

    def pager(self):
        """Links to the previous and next pages, or None on a single page."""
        page = getattr(self, "page", None)
        if page is None or not (page.has_previous() or page.has_next()):
            return None
        field = self.prefixed_page_field
        counted = not isinstance(self.paginator, tables.LazyPaginator)
        return {
            "number": page.number,
            "pages": self.paginator.num_pages if counted else None,
            "previous": (
                self.query_with(field, page.previous_page_number())
                if page.has_previous()
                else None
            ),
            "next": (
                self.query_with(field, page.next_page_number())
                if page.has_next()
                else None
            ),
        }

    def query_with(self, key, value):
        """This page's query string with ``key`` set to ``value``."""
        if key not in self._other_parameters:
            others = self.request.GET.copy()
            others.pop(key, None)
            self._other_parameters[key] = others.urlencode()
        given = urlencode({key: value})
        others = self._other_parameters[key]
        return f"?{others}&{given}" if others else f"?{given}"


def text(value):
    """``value`` as HTML text, escaped as Django's templates escape it."""
    return html.escape(str(value))


def minute(value):
    """A moment as 2026-12-03 09:41 in the current time zone, or a dash."""
    if value is None:
        return EMPTY
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def day(value):
    """A date, or the local day of a moment, as 2026-12-03; or a dash."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d")


def status_badge(record):
    """A request's or a code's status as a coloured badge."""
    return (
        f'<span class="badge status-{text(record.status)}">'
        f"{text(record.status_label)}</span>"
    )


class RequestLinks:
    """Links to requests, #12, that a screen reader names in full.

    The URL is reversed and the name translated once per table, not once
    per row: on a list page, asking Django for them row by row cost as
    much as the rest of the row.
    """

    STAND_IN = 987654321

    def __init__(self, url_name):
        url = reverse(url_name, args=[self.STAND_IN])
        head, _, tail = url.rpartition(str(self.STAND_IN))
        self.head, self.tail = text(head), text(tail)
        self.name = gettext("Request #%(number)s")

    def __call__(self, number):
        number = int(number)
        name = text(self.name % {"number": number})
        url = f"{self.head}{number}{self.tail}"
        return f'<a href="{url}" aria-label="{name}">#{number}</a>'

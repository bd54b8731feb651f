"""Reads the librarian's pages share: figures and neighbouring requests."""

import datetime

from django.db import connection
from django.utils import timezone

from codes.models import CodeStatus, CodeTally
from requests_app.models import CodeRequest, RequestStatus
from requests_app.services import month_start

EXPIRING_DAYS = 14


def library_figures(library):
    """The queue's and the pool's figures, in one query.

    Each figure is a count over an index (or over code tallies) of its own,
    so that none of them reads the library's whole history. The query is
    written out: the database answers it in under a millisecond, and
    building the same six subqueries with the ORM took three times as long.
    """
    with connection.cursor() as cursor:
        cursor.execute(FIGURES_SQL, figures_parameters(library))
        row = cursor.fetchone()

    return {**dict(zip(FIGURES, row, strict=True)), "expiring_days": EXPIRING_DAYS}


def figures_parameters(library):
    """The values ``FIGURES_SQL`` asks for, as the database takes them."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    adapt = connection.ops
    return {
        "library": library.pk,
        "start": adapt.adapt_datetimefield_value(month_start()),
        "today": adapt.adapt_datefield_value(today),
        "soon": adapt.adapt_datefield_value(soon),
        "available": CodeStatus.AVAILABLE.value,
        **{status.value: status.value for status in RequestStatus},
    }


FIGURES = (
    "pending",
    "waitlisted",
    "approved_this_month",
    "rejected_this_month",
    "codes_left",
    "codes_expiring",
)
FIGURES_SQL = """
SELECT
  (SELECT COUNT(*) FROM {requests}
    WHERE library_id = %(library)s AND status = %(pending)s),
  (SELECT COUNT(*) FROM {requests}
    WHERE library_id = %(library)s AND status = %(waitlisted)s),
  (SELECT COUNT(*) FROM {requests}
    WHERE library_id = %(library)s AND status = %(approved)s
      AND fulfilled_at >= %(start)s),
  (SELECT COUNT(*) FROM {requests}
    WHERE library_id = %(library)s AND status = %(rejected)s
      AND decided_at >= %(start)s),
  (SELECT COALESCE(SUM({count}), 0) FROM {tallies}
    WHERE library_id = %(library)s AND status = %(available)s
      AND valid_until >= %(today)s),
  (SELECT COALESCE(SUM({count}), 0) FROM {tallies}
    WHERE library_id = %(library)s AND status = %(available)s
      AND valid_until >= %(today)s AND valid_until <= %(soon)s)
""".format(
    requests=CodeRequest._meta.db_table,
    tallies=CodeTally._meta.db_table,
    count='"count"',
)


def code_count(library, filterset):
    """How many of the library's codes the filters leave, from the tallies.

    None when the filters ask for something the tallies cannot tell: a
    code's value. Filters that are not valid filter nothing, as in the list.
    """
    filterset.is_valid()
    filters = filterset.form.cleaned_data
    if filters.get("value"):
        return None
    tallies = CodeTally.objects.filter(library=library)
    if filters.get("status"):
        tallies = tallies.filter(status=filters["status"])
    return tallies.codes()


def next_pending(library):
    """The oldest pending request of ``library``: the next to decide."""
    return (
        CodeRequest.objects.filter(library=library, status=RequestStatus.PENDING)
        .order_by("created_at", "id")
        .first()
    )


def earlier_requests(code_request, limit=20):
    """The same reader's other requests at the same library, newest first."""
    return (
        CodeRequest.objects.filter(
            library_id=code_request.library_id, reader_id=code_request.reader_id
        )
        .exclude(pk=code_request.pk)
        .order_by("-created_at", "-id")[:limit]
    )

"""Reads the librarian's pages share: figures and neighbouring requests."""

import datetime

from django.db.models import Count, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Library
from codes.models import CodeTally
from requests_app.models import CodeRequest, RequestStatus
from requests_app.services import month_start

EXPIRING_DAYS = 14


def library_figures(library):
    """The queue's and the pool's figures, in one query.

    Each figure is a count over an index (or over code tallies) of its own,
    so that none of them reads the library's whole history.
    """
    start = month_start()
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    requests = CodeRequest.objects.filter(library=library)
    pool = CodeTally.objects.available(library, today)
    figures = (
        Library.objects.filter(pk=library.pk)
        .values(
            pending=_number(requests.filter(status=RequestStatus.PENDING)),
            waitlisted=_number(requests.filter(status=RequestStatus.WAITLISTED)),
            approved_this_month=_number(
                requests.filter(status=RequestStatus.APPROVED, fulfilled_at__gte=start)
            ),
            rejected_this_month=_number(
                requests.filter(status=RequestStatus.REJECTED, decided_at__gte=start)
            ),
            codes_left=_number(pool, Sum("count")),
            codes_expiring=_number(pool.filter(valid_until__lte=soon), Sum("count")),
        )
        .get()
    )
    return {**figures, "expiring_days": EXPIRING_DAYS}


def _number(rows, aggregate=None):
    """How many ``rows`` of one library (or their ``aggregate``), as a value.

    The rows are grouped by their library, of which there is one, so the
    database counts them alone; COUNT(*) lets it count from the index.
    """
    grouped = (
        rows.order_by()
        .values("library")
        .annotate(number=aggregate or Count("*"))
        .values("number")
    )
    return Coalesce(Subquery(grouped), 0)


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
    return tallies.aggregate(codes=Sum("count", default=0))["codes"]


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

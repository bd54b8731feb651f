"""Reads the librarian's pages share: figures and neighbouring requests."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from codes.models import Code, CodeStatus
from requests_app.models import CodeRequest, RequestStatus
from requests_app.services import month_start

EXPIRING_DAYS = 14


def library_figures(library):
    """The queue's and the pool's figures, in two aggregate queries."""
    start = month_start()
    requests = CodeRequest.objects.filter(library=library).aggregate(
        pending=Count("id", filter=Q(status=RequestStatus.PENDING)),
        waitlisted=Count("id", filter=Q(status=RequestStatus.WAITLISTED)),
        approved_this_month=Count(
            "id", filter=Q(status=RequestStatus.APPROVED, fulfilled_at__gte=start)
        ),
        rejected_this_month=Count(
            "id", filter=Q(status=RequestStatus.REJECTED, decided_at__gte=start)
        ),
    )
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    codes = Code.objects.filter(
        library=library, status=CodeStatus.AVAILABLE, valid_until__gte=today
    ).aggregate(
        codes_left=Count("id"),
        codes_expiring=Count("id", filter=Q(valid_until__lte=soon)),
    )
    return {**requests, **codes, "expiring_days": EXPIRING_DAYS}


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

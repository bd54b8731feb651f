"""The exchange itself: readers ask, librarians decide, codes go out once."""

import logging
import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from codes.models import Code, CodeStatus
from requests_app import notifications
from requests_app.models import OPEN_STATUSES, CodeRequest, RequestStatus

logger = logging.getLogger(__name__)

# How long an approval waits for codes that other approvals hold locked
# before it calls the pool busy (attempts x pause, in seconds).
LOCK_ATTEMPTS = 40
LOCK_PAUSE = 0.025


class RequestRefused(Exception):
    """The request cannot be made or decided; the message says why."""


class PoolBusy(RequestRefused):
    """Every available code is locked by other approvals still in flight."""


@dataclass(frozen=True)
class Decision:
    request: CodeRequest
    changed: bool
    message: str


def month_start(now=None):
    now = timezone.localtime(now)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def approved_this_month(reader, library):
    return CodeRequest.objects.filter(
        reader=reader,
        library=library,
        status=RequestStatus.APPROVED,
        fulfilled_at__gte=month_start(),
    ).count()


def submit_request(*, reader, library, card_number):
    """Open a reader's request for a code at ``library``."""
    if CodeRequest.objects.filter(
        reader=reader, library=library, status__in=OPEN_STATUSES
    ).exists():
        raise RequestRefused(
            gettext(
                "You already have an open request at %(library)s. "
                "Wait for its decision, or cancel it first."
            )
            % {"library": library}
        )
    if approved_this_month(reader, library) >= library.monthly_limit:
        raise RequestRefused(
            ngettext(
                "You have had %(count)s code from %(library)s this month, which "
                "is its monthly limit. Ask again next month.",
                "You have had %(count)s codes from %(library)s this month, which "
                "is its monthly limit. Ask again next month.",
                library.monthly_limit,
            )
            % {"count": library.monthly_limit, "library": library}
        )

    try:
        with transaction.atomic():
            request = CodeRequest.objects.create(
                reader=reader, library=library, card_number=card_number
            )
            request.events.create(status=RequestStatus.PENDING, by=reader)
    except IntegrityError:
        # Two submissions at once: the partial unique index let one through.
        raise RequestRefused(
            gettext("You already have an open request at %(library)s.")
            % {"library": library}
        )
    logger.info("Request %s: submitted to library %s", request.pk, library.pk)
    return request


def take_code(library):
    """Lock and return the next code to hand out at ``library``, or None.

    Codes locked by approvals still in flight are skipped, so that
    librarians approving at once do not queue behind each other. An empty
    result is not yet an empty pool: those locks may be released by a
    rollback, so wait and look again while unlocked-but-available codes
    remain visible.
    """
    pool = Code.objects.available().filter(library=library)
    for _ in range(LOCK_ATTEMPTS):
        code = pool.in_hand_out_order().select_for_update(skip_locked=True).first()
        if code is not None:
            return code
        if not pool.exists():
            return None
        time.sleep(LOCK_PAUSE)

    logger.warning("Library %s: lock wait for a code timed out", library.pk)
    raise PoolBusy(
        gettext(
            "Other approvals are taking codes from this pool right now. "
            "Nothing was changed; please try again in a moment."
        )
    )


def _hand_over(request, code, *, by, now):
    code.status = CodeStatus.ASSIGNED
    code.assigned_at = now
    code.save(update_fields=["status", "assigned_at"])
    request.code = code
    request.fulfilled_at = now
    request.move_to(RequestStatus.APPROVED, by=by, at=now)


def _lock(request_id, library):
    try:
        return CodeRequest.objects.select_for_update().get(
            pk=request_id, library=library
        )
    except CodeRequest.DoesNotExist:
        raise RequestRefused(gettext("No such request in your library's queue."))


def _already_decided(request):
    return Decision(
        request,
        changed=False,
        message=gettext("%(request)s is already %(status)s; nothing was changed.")
        % {"request": request, "status": request.get_status_display()},
    )


def approve_request(*, request_id, librarian):
    """Approve a pending request: hand over a code, or waitlist it."""
    library = librarian.library
    with transaction.atomic():
        request = _lock(request_id, library)
        if request.status != RequestStatus.PENDING:
            return _already_decided(request)

        now = timezone.now()
        request.decided_at = now
        request.decided_by = librarian
        code = take_code(library)
        if code is None:
            request.move_to(RequestStatus.WAITLISTED, by=librarian, at=now)
            message = gettext(
                "%(request)s is approved and waitlisted: the pool is empty."
            ) % {"request": request}
        else:
            _hand_over(request, code, by=librarian, now=now)
            message = gettext("%(request)s is approved; a code was handed over.") % {
                "request": request
            }
            notifications.check_pool_after_hand_out(library, handed_out=1)
        notifications.request_decided(request)

    logger.info(
        "Request %s: %s by user %s, code %s",
        request.pk,
        request.status,
        librarian.pk,
        request.code_id,
    )
    return Decision(request, changed=True, message=message)


def reject_request(*, request_id, librarian, reason):
    """Reject a pending request with a reason the reader will read."""
    reason = reason.strip()
    if not reason:
        raise RequestRefused(gettext("Give the reader a reason for the rejection."))

    with transaction.atomic():
        request = _lock(request_id, librarian.library)
        if request.status != RequestStatus.PENDING:
            return _already_decided(request)

        now = timezone.now()
        request.decided_at = now
        request.decided_by = librarian
        request.rejection_reason = reason
        request.move_to(RequestStatus.REJECTED, by=librarian, note=reason, at=now)
        notifications.request_decided(request)

    logger.info("Request %s: rejected by user %s", request.pk, librarian.pk)
    return Decision(
        request,
        changed=True,
        message=gettext("%(request)s is rejected.") % {"request": request},
    )


def cancel_request(*, request_id, reader):
    """The reader withdraws a request that is still open."""
    with transaction.atomic():
        try:
            request = CodeRequest.objects.select_for_update().get(
                pk=request_id, reader=reader
            )
        except CodeRequest.DoesNotExist:
            raise RequestRefused(gettext("No such request."))
        if not request.is_open:
            return _already_decided(request)

        request.cancelled_at = timezone.now()
        request.move_to(RequestStatus.CANCELLED, by=reader, at=request.cancelled_at)

    logger.info("Request %s: cancelled by its reader", request.pk)
    return Decision(
        request, changed=True, message=gettext("Your request is cancelled.")
    )


def fulfil_waitlist(library):
    """Hand newly loaded codes to waitlisted requests, oldest first.

    Each hand-over is a transaction of its own, as an approval is: it
    changes its tallies in key order, so it never waits in a circle with a
    provider's redeem or void of other codes of the same pool, and a long
    waitlist does not keep every request locked until the last is served.
    """
    fulfilled = []
    while True:
        with transaction.atomic():
            request = (
                CodeRequest.objects.filter(
                    library=library, status=RequestStatus.WAITLISTED
                )
                .order_by("created_at", "id")
                .select_for_update(skip_locked=True)
                .first()
            )
            code = take_code(library) if request is not None else None
            if code is None:
                break
            _hand_over(request, code, by=None, now=timezone.now())
            notifications.request_decided(request)
        fulfilled.append(request.pk)

    if fulfilled:
        notifications.check_pool_after_hand_out(library, handed_out=len(fulfilled))
        logger.info(
            "Library %s: %s waitlisted request(s) fulfilled",
            library.pk,
            len(fulfilled),
        )
    return fulfilled


def waitlist_position(request):
    """1 for the next waitlisted request to get a code, and so on."""
    if request.status != RequestStatus.WAITLISTED:
        return None

    ahead = CodeRequest.objects.filter(
        library_id=request.library_id, status=RequestStatus.WAITLISTED
    ).filter(
        Q(created_at__lt=request.created_at)
        | Q(created_at=request.created_at, id__lt=request.id)
    )
    return ahead.count() + 1

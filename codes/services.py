"""Changes provider staff make to codes after loading them."""

import logging
from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models.functions import Upper
from django.utils import timezone

from codes.models import Code, CodeStatus, CodeTally

logger = logging.getLogger(__name__)

# Values per query: well under the bound-parameter limits of SQLite and
# PostgreSQL.
LOOKUP_CHUNK = 500


@dataclass
class CodeChangeSummary:
    """What a redeem or void did with the values it was given."""

    changed: int = 0
    already: int = 0
    # (value, status) of codes left as they were because of their status.
    refused: list = field(default_factory=list)
    not_found: list = field(default_factory=list)
    # Redeemed codes that codeshare had never handed to a reader.
    not_handed_out: int = 0


@transaction.atomic
def redeem_codes(values, *, by):
    """Mark the codes the provider's platform reports as used redeemed.

    The platform knows best whether a code was used, so an available,
    assigned or expired code becomes redeemed alike; only a void code stays
    void, since it was withdrawn and its use is for people to look into.
    """
    summary = CodeChangeSummary()
    wanted = _unique(values)
    found = _lock_codes(wanted)
    summary.not_found = [value for key, value in wanted.items() if key not in found]

    to_redeem = []
    for pk, value, status in found.values():
        if status == CodeStatus.REDEEMED:
            summary.already += 1
        elif status == CodeStatus.VOID:
            summary.refused.append((value, status))
        else:
            to_redeem.append(pk)
            if status != CodeStatus.ASSIGNED:
                summary.not_handed_out += 1

    now = timezone.now()
    CodeTally.objects.restate(to_redeem, CodeStatus.REDEEMED)
    for chunk in _chunks(to_redeem):
        summary.changed += Code.objects.filter(pk__in=chunk).update(
            status=CodeStatus.REDEEMED, redeemed_at=now
        )

    logger.info(
        "Codes: %s redeemed by user %s (%s never handed out), %s already "
        "redeemed, %s void left alone, %s not found",
        summary.changed,
        by.pk,
        summary.not_handed_out,
        summary.already,
        len(summary.refused),
        len(summary.not_found),
    )
    return summary


@transaction.atomic
def void_codes(values, *, by, reason):
    """Withdraw codes that no reader holds; the reason goes to the admin log."""
    if not reason.strip():
        raise ValueError("Voiding codes needs a reason.")

    summary = CodeChangeSummary()
    wanted = _unique(values)
    found = _lock_codes(wanted)
    summary.not_found = [value for key, value in wanted.items() if key not in found]

    to_void = []
    for pk, value, status in found.values():
        if status == CodeStatus.VOID:
            summary.already += 1
        elif status in (CodeStatus.ASSIGNED, CodeStatus.REDEEMED):
            # A reader holds this code; taking it back is for the library.
            summary.refused.append((value, status))
        else:
            to_void.append(pk)

    now = timezone.now()
    CodeTally.objects.restate(to_void, CodeStatus.VOID)
    for chunk in _chunks(to_void):
        summary.changed += Code.objects.filter(pk__in=chunk).update(
            status=CodeStatus.VOID, voided_at=now
        )
        LogEntry.objects.log_actions(
            user_id=by.pk,
            queryset=Code.objects.filter(pk__in=chunk).select_related("batch"),
            action_flag=CHANGE,
            change_message=f"Voided: {reason}",
        )

    if summary.refused:
        logger.warning(
            "Codes: void refused for %s held by readers, by user %s",
            len(summary.refused),
            by.pk,
        )
    logger.info(
        "Codes: %s voided by user %s, %s already void, %s not found",
        summary.changed,
        by.pk,
        summary.already,
        len(summary.not_found),
    )
    return summary


@transaction.atomic
def expire_codes(today=None):
    """Mark available codes whose last valid day is past expired."""
    today = today or timezone.localdate()

    # Locked first, so that the tallies move exactly the codes updated.
    expiring = list(
        Code.objects.filter(status=CodeStatus.AVAILABLE, valid_until__lt=today)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    CodeTally.objects.restate(expiring, CodeStatus.EXPIRED)
    count = 0
    for chunk in _chunks(expiring):
        count += Code.objects.filter(pk__in=chunk).update(
            status=CodeStatus.EXPIRED, expired_at=now
        )

    logger.info("Codes: %s expired (valid until before %s)", count, today)
    return count


def _unique(values):
    """The non-blank values by their upper-case form, first spelling kept."""
    wanted = {}
    for value in values:
        value = value.strip()
        if value:
            wanted.setdefault(value.upper(), value)
    return wanted


def _lock_codes(wanted):
    """Lock the codes named in ``wanted``: (pk, value, status) by key."""
    found = {}
    for chunk in _chunks(list(wanted)):
        codes = (
            Code.objects.select_for_update()
            .annotate(value_upper=Upper("value"))
            .filter(value_upper__in=chunk)
            .values_list("pk", "value", "status")
        )
        for pk, value, status in codes:
            found[value.upper()] = (pk, value, status)
    return found


def _chunks(items):
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start : start + LOOKUP_CHUNK]

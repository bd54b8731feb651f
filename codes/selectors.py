"""Reads behind the provider's dashboard: code tallies, added up.

Every figure adds up ``CodeTally`` rows, a few per batch, under the same
filters as the codes themselves; none of them reads the codes.
"""

import datetime

from django.db.models import F, Max, Min, Sum

from codes.filters import STATUS_FIGURES, status_q, status_sums
from codes.models import CodeStatus

EXPIRING_WITHIN_DAYS = 30
HAND_OUT_MONTHS = 12


def figures_by_library(tallies, today):
    """Codes of each library by the status they count as, by library name."""
    return list(
        tallies.values(
            "library_id",
            library_name=F("library__name"),
            library_slug=F("library__slug"),
        )
        .annotate(**status_sums(today))
        .order_by("library_name", "library_id")
    )


def totals(rows):
    """The figures of all ``rows`` added up."""
    return {key: sum(row[key] for row in rows) for key in STATUS_FIGURES}


def figures_by_batch(tallies, today):
    """Codes of each batch by the status they count as, newest batch first."""
    return (
        tallies.values(
            "batch_id",
            batch_name=F("batch__name"),
            library_slug=F("batch__library__slug"),
            batch_valid_until=F("batch__valid_until"),
            batch_loaded_at=F("batch__loaded_at"),
        )
        .annotate(**status_sums(today))
        .order_by("-batch_loaded_at", "-batch_id")
    )


def expiring_batches(tallies, today):
    """Batches whose codes still to hand out run out within 30 days."""
    return (
        tallies.filter(
            status_q(CodeStatus.AVAILABLE, today),
            valid_until__lte=today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
        )
        .values(
            "batch_id",
            batch_name=F("batch__name"),
            library_slug=F("batch__library__slug"),
        )
        .annotate(
            first_expiry=Min("valid_until"),
            last_expiry=Max("valid_until"),
            expiring=Sum("count"),
        )
        .order_by("first_expiry", "batch_id")
    )


def hand_outs(tallies, today):
    """Codes handed out per library per month, over the last twelve months.

    ``months`` are the first days of the months, oldest first; each of
    ``libraries`` has its ``name``, its ``counts`` month by month and their
    ``total``; ``per_month`` adds up all libraries, month by month.
    """
    months = last_months(today, HAND_OUT_MONTHS)
    rows = (
        tallies.filter(assigned_month__gte=months[0])
        .values_list("library_id", "library__name", "assigned_month")
        .annotate(handed_out=Sum("count"))
        .order_by("library__name", "library_id")
    )

    libraries = {}
    for library_id, name, month, handed_out in rows:
        library = libraries.setdefault(
            library_id, {"library_id": library_id, "name": name, "by_month": {}}
        )
        library["by_month"][month] = handed_out
    for library in libraries.values():
        library["counts"] = [library["by_month"].get(month, 0) for month in months]
        library["total"] = sum(library["counts"])

    return {
        "months": months,
        "libraries": list(libraries.values()),
        "per_month": [
            sum(library["by_month"].get(month, 0) for library in libraries.values())
            for month in months
        ],
    }


def last_months(today, count):
    """The first days of the ``count`` months up to this one, oldest first."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return months[::-1]

"""Reads behind the provider's dashboard: code tallies, added up.

Every figure adds up ``CodeTally`` rows, a few per batch, under the same
filters as the codes themselves; none of them reads the codes.
"""

import datetime

from django.db.models import Case, F, Max, Min, Sum, When

from codes.filters import STATUS_FIGURES, status_q, status_sums, with_effective_status
from codes.models import CodeStatus

EXPIRING_WITHIN_DAYS = 30
HAND_OUT_MONTHS = 12


def by_library(tallies, today):
    """Each library's figures, and the codes handed out per library per month.

    One grouped query gives both: the tallies added up by library, by the
    status their codes count as, and by the month of the last twelve in
    which they were handed out. Returns the figure rows, by library name,
    and the hand-outs (see ``hand_outs``).
    """
    months = last_months(today, HAND_OUT_MONTHS)
    rows = (
        with_effective_status(tallies, today)
        .values_list(
            "library_id",
            "library__name",
            "library__slug",
            "effective_status",
            Case(When(assigned_month__gte=months[0], then="assigned_month")),
        )
        .annotate(codes=Sum("count"))
        .order_by()
    )

    figures = {}
    handed_out = {}
    for library_id, name, slug, status, month, codes in rows:
        row = figures.get(library_id)
        if row is None:
            row = figures[library_id] = {
                "library_id": library_id,
                "library_name": name,
                "library_slug": slug,
                **dict.fromkeys(STATUS_FIGURES, 0),
            }
        row[status] += codes
        row["total"] += codes
        if month is not None:
            by_month = handed_out.setdefault(library_id, {})
            by_month[month] = by_month.get(month, 0) + codes

    ordered = sorted(
        figures.values(), key=lambda row: (row["library_name"], row["library_id"])
    )
    return ordered, hand_outs(ordered, handed_out, months)


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


def hand_outs(libraries, handed_out, months):
    """Codes handed out per library per month, from ``handed_out``.

    ``months`` are the first days of the months, oldest first; each of
    ``libraries`` that handed out a code has its ``name``, its ``counts``
    month by month and their ``total``; ``per_month`` adds up all of them.
    """
    rows = []
    for library in libraries:
        by_month = handed_out.get(library["library_id"])
        if by_month:
            counts = [by_month.get(month, 0) for month in months]
            rows.append(
                {
                    "library_id": library["library_id"],
                    "name": library["library_name"],
                    "counts": counts,
                    "total": sum(counts),
                }
            )
    return {
        "months": months,
        "libraries": rows,
        "per_month": [
            sum(row["counts"][index] for row in rows) for index in range(len(months))
        ],
    }


def last_months(today, count):
    """The first days of the ``count`` months up to this one, oldest first."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return months[::-1]

"""The database side of an import: what is loaded already, and inserting."""

from collections import Counter
from itertools import islice

from django.db import connection
from django.db.models.functions import Upper
from django.utils import timezone

from codes.models import Code, CodeStatus, CodeTally

# Values per "already loaded?" query: in one array on PostgreSQL, else as
# placeholders, under SQLite's limit of 999. Rows per insert.
LOOKUP_CHUNK = 50000
LOOKUP_CHUNK_PARAMETERS = 500
INSERT_CHUNK = 10000


def find_loaded(keys):
    """Those of the upper-case ``keys`` whose code is in the database."""
    keys = iter(keys)
    if connection.vendor == "postgresql":
        # One array parameter per query instead of thousands of placeholders;
        # the condition matches the expression of the unique index.
        quote = connection.ops.quote_name
        column = quote(Code._meta.get_field("value").column)
        sql = (
            f"SELECT UPPER({column}) FROM {quote(Code._meta.db_table)} "
            f"WHERE UPPER({column}) = ANY(%s)"
        )
        # A cursor per chunk: no query at all when there is nothing to look up.
        while chunk := list(islice(keys, LOOKUP_CHUNK)):
            with connection.cursor() as cursor:
                cursor.execute(sql, [chunk])
                yield from (key for (key,) in cursor.fetchall())
        return

    while chunk := list(islice(keys, LOOKUP_CHUNK_PARAMETERS)):
        yield from (
            Code.objects.annotate(key=Upper("value"))
            .filter(key__in=chunk)
            .values_list("key", flat=True)
        )


def insert_codes(batch, checked):
    now = timezone.now()
    _tally(batch, checked, now)
    if connection.vendor == "postgresql":
        _copy_codes(batch, checked, now)
        return

    rows = (
        Code(
            value=value,
            batch_id=batch.pk,
            library_id=batch.library_id,
            valid_until=day,
            created_at=now,
        )
        for value, day in zip(checked.values, checked.dates, strict=True)
    )
    while chunk := list(islice(rows, INSERT_CHUNK)):
        Code.objects.bulk_create(chunk)


def _tally(batch, checked, now):
    """Count the batch's new codes in the tallies, by last valid day."""
    CodeTally.objects.count_new(
        {
            (batch.library_id, batch.pk, CodeStatus.AVAILABLE, day, now, None): codes
            for day, codes in Counter(checked.dates).items()
        }
    )


def _copy_codes(batch, checked, now):
    """Insert with COPY, several times faster than INSERT on PostgreSQL."""
    quote = connection.ops.quote_name
    opts = Code._meta
    columns = ", ".join(
        quote(opts.get_field(name).column)
        for name in ("value", "batch", "library", "status", "valid_until", "created_at")
    )
    sql = f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN"
    # Codes are letters, digits and dashes: nothing in a line needs escaping.
    head = f"\t{batch.pk}\t{batch.library_id}\t{CodeStatus.AVAILABLE.value}\t"
    tails = {
        day: f"{head}{day.isoformat()}\t{now.isoformat()}\n"
        for day in set(checked.dates)
    }
    values, dates = checked.values, checked.dates

    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(sql) as copy,
    ):
        for start in range(0, len(values), INSERT_CHUNK):
            end = start + INSERT_CHUNK
            rows = zip(values[start:end], dates[start:end], strict=True)
            copy.write("".join(value + tails[day] for value, day in rows))

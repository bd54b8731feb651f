"""Writing many rows at once: COPY on PostgreSQL, bulk_create elsewhere."""

import contextlib
from itertools import islice

from django.core.management.color import no_style
from django.db import connection

BULK_CREATE_CHUNK = 2000


def write_rows(model, fields, rows):
    """Insert ``rows``, tuples in the order of ``fields``; how many there were.

    The rows carry their own ids, so nothing is read back.
    """
    if connection.vendor == "postgresql":
        return _copy(model, fields, rows)

    count = 0
    instances = (model(**dict(zip(fields, row, strict=True))) for row in rows)
    while chunk := list(islice(instances, BULK_CREATE_CHUNK)):
        model.objects.bulk_create(chunk)
        count += len(chunk)
    return count


def _copy(model, fields, rows):
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reset_sequences(models):
    """Let the next ordinary insert take an id after the ones written here."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def first_free_id(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


@contextlib.contextmanager
def foreign_keys_checked_once(models):
    """Check the foreign keys of ``models`` once at the end, not row by row.

    PostgreSQL checks a foreign key with a query for every row written;
    dropping the constraint and adding it back afterwards checks all rows
    in one join. Use it inside a transaction, which the tables' locks last.
    """
    if connection.vendor != "postgresql":
        yield
        return

    quote = connection.ops.quote_name
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        # Checks still deferred in this transaction would forbid the change.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid, conname",
            [tables],
        )
        constraints = cursor.fetchall()
        for table, name, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in constraints:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
            )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

import argparse
import secrets
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count

from accounts import roles
from accounts.models import Library, User
from codes.models import Code, CodeBatch, CodeTally
from requests_app.management import bulk
from requests_app.management.world import MAX_REQUESTS_PER_READER, Sizes, World
from requests_app.models import CodeRequest, RequestEvent

TABLES = [
    # World's name for the table, the model, the World method giving its rows
    ("library", Library, "library_rows"),
    ("user", User, "user_rows"),
    ("user_groups", User.groups.through, "user_group_rows"),
    ("codebatch", CodeBatch, "batch_rows"),
    ("code", Code, "code_rows"),
    ("coderequest", CodeRequest, "request_rows"),
    ("requestevent", RequestEvent, "event_rows"),
]


def _size(value):
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"a size is a whole number, not {value!r}")
    return int(value)


def _by_status(counts):
    return ", ".join(f"{status} {count:,}" for status, count in sorted(counts.items()))


class Command(BaseCommand):
    help = (
        "Fill the database with a large city's libraries, readers, codes and "
        "requests over two years, for benchmarks and demos."
    )

    def add_arguments(self, parser):
        parser.add_argument("--libraries", type=_size, default=30)
        parser.add_argument("--readers", type=_size, default=200_000)
        parser.add_argument("--codes", type=_size, default=1_000_000)
        parser.add_argument("--requests", type=_size, default=500_000)
        parser.add_argument(
            "--password",
            help="Password of every account made (random, and printed, when left out).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed makes the same world."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off: for a benchmark's scratch database.",
        )

    def handle(self, *args, password=None, seed=1, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_large makes thousands of accounts with one known password; "
                "it runs only with DEBUG on, or with --force on a scratch database."
            )
        sizes = Sizes(
            libraries=options["libraries"],
            readers=options["readers"],
            codes=options["codes"],
            requests=options["requests"],
        )
        self._check(sizes)
        password = password or secrets.token_urlsafe(9)
        started = time.monotonic()

        world = World(
            sizes,
            first_ids={name: bulk.first_free_id(model) for name, model, _ in TABLES},
            groups={
                group.name: group.pk
                for group in Group.objects.filter(name__in=roles.ALL)
            },
            # One hash for every account: hashing 200,000 times takes hours.
            password=make_password(password),
            seed=seed,
        )
        self._lap(started, "planned the world")

        models = [model for _, model, _ in TABLES]
        with transaction.atomic():
            with bulk.foreign_keys_checked_once(models):
                for name, model, method in TABLES:
                    lap = time.monotonic()
                    count = bulk.write_rows(
                        model, World.FIELDS[name], getattr(world, method)()
                    )
                    self._lap(lap, f"{count:>10,} {model._meta.verbose_name_plural}")
                lap = time.monotonic()
            self._lap(lap, "checked the foreign keys")
            bulk.reset_sequences(models)
            lap = time.monotonic()
            CodeTally.objects.count_new(
                Code.objects.filter(pk__gte=world.first_ids["code"]).tally()
            )
            self._lap(lap, "counted the codes into the provider's tallies")
            lap = time.monotonic()
        self._lap(lap, "committed")
        if connection.vendor == "postgresql":
            lap = time.monotonic()
            self._analyze()
            self._lap(lap, "vacuumed and analyzed the tables")

        self._report(world, password)
        self._lap(started, "in all")

    def _check(self, sizes):
        if sizes.libraries < 1:
            raise CommandError("A city needs at least one library.")
        if sizes.requests > sizes.readers * MAX_REQUESTS_PER_READER:
            raise CommandError(
                f"{sizes.readers} readers make at most "
                f"{sizes.readers * MAX_REQUESTS_PER_READER} requests here."
            )
        if User.objects.filter(email__iendswith="@large.test").exists():
            raise CommandError(
                "This database already holds a large world; seed a fresh one."
            )

    def _analyze(self):
        """Fresh statistics and visibility maps, as autovacuum leaves."""
        quote = connection.ops.quote_name
        # VACUUM cannot run inside a transaction; ANALYZE can.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in [*(model for _, model, _ in TABLES), CodeTally]:
                cursor.execute(f"{command} {quote(model._meta.db_table)}")

    def _report(self, world, password):
        requests = dict(
            CodeRequest.objects.filter(id__gte=world.first_ids["coderequest"])
            .values_list("status")
            .annotate(Count("id"))
        )
        codes = dict(
            Code.objects.filter(id__gte=world.first_ids["code"])
            .values_list("status")
            .annotate(Count("id"))
        )
        self.stdout.write(f"Requests by status: {_by_status(requests)}")
        self.stdout.write(f"Codes by status: {_by_status(codes)}")
        librarian = world.librarians[0]
        self.stdout.write(
            f"Accounts, all with the password {password}: provider@large.test "
            f"(provider), librarian{librarian[2]}.{librarian[1].slug}@large.test "
            "(librarian), reader0@large.test (reader), and so on."
        )

    def _lap(self, since, what):
        self.stdout.write(f"{time.monotonic() - since:8.1f} s  {what}")

import argparse
import datetime

from django.core.management.base import BaseCommand

from codes import services


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date is YYYY-MM-DD, not {value!r}")


class Command(BaseCommand):
    help = (
        "Mark available codes whose last valid day is past as expired. "
        "Run it daily from cron, after midnight."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=_date,
            help="Take this day (YYYY-MM-DD) as today instead of the real one.",
        )

    def handle(self, *args, today, **options):
        count = services.expire_codes(today=today)
        self.stdout.write(f"{count} codes expired.")

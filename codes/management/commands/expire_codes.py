import argparse
import datetime

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from codes import services


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("a date is YYYY-MM-DD, not %(value)r") % {"value": value}
        )


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
        # The singular keeps the wording that scripts reading this line expect.
        self.stdout.write(
            ngettext("%(count)s codes expired.", "%(count)s codes expired.", count)
            % {"count": count}
        )

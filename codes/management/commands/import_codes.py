import argparse
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Library
from codes import importing


def iso_date(text):
    if importing.DATE_FORMAT.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(
        _("%(text)r is not a date as YYYY-MM-DD") % {"text": text}
    )


class Command(BaseCommand):
    help = (
        "Load a CSV or XLSX file of codes as one batch for a library, under the "
        "admin's rules: the whole file loads, or nothing does and every bad "
        "row is named by its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV or XLSX file.")
        parser.add_argument("--library", required=True, help="The slug of the library.")
        parser.add_argument(
            "--batch", default="", help="The batch's name (default: the file name)."
        )
        parser.add_argument(
            "--valid-until",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help=(
                "The codes' last valid day. Required, unless the file has a "
                "valid_until column filled in on every row; a row's own date "
                "overrides this one."
            ),
        )

    def handle(self, *args, path, library, batch, valid_until, **options):
        pool = Library.objects.filter(slug=library).first()
        if pool is None:
            raise CommandError(
                _("No library has the slug %(slug)r.") % {"slug": library}
            )

        file = Path(path)
        if not file.is_file():
            raise CommandError(_("%(path)s: no such file.") % {"path": path})
        with file.open("rb") as source:
            result = importing.import_code_file(
                source,
                file.name,
                library=pool,
                batch_name=batch,
                valid_until=valid_until,
            )

        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            count = len(result.errors)
            raise CommandError(
                ngettext(
                    "%(path)s: %(count)s problem; nothing was loaded.",
                    "%(path)s: %(count)s problems; nothing was loaded.",
                    count,
                )
                % {"path": path, "count": count}
            )
        loaded = result.batch
        self.stdout.write(
            ngettext(
                "Batch %(batch)s (%(name)s): %(count)s code loaded for %(library)s, "
                "valid until %(day)s.",
                "Batch %(batch)s (%(name)s): %(count)s codes loaded for %(library)s, "
                "valid until %(day)s.",
                loaded.size,
            )
            % {
                "batch": loaded.pk,
                "name": loaded.name,
                "count": loaded.size,
                "library": pool.slug,
                "day": loaded.valid_until,
            }
        )

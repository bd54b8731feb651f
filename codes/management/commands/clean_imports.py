from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from codes.models import PendingImport


class Command(BaseCommand):
    help = "Delete code files uploaded in the admin and never confirmed."

    def handle(self, *args, **options):
        count, _ = PendingImport.objects.stale().delete()
        self.stdout.write(
            ngettext(
                "%(count)s unconfirmed upload deleted.",
                "%(count)s unconfirmed uploads deleted.",
                count,
            )
            % {"count": count}
        )

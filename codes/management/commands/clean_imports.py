from django.core.management.base import BaseCommand

from codes.models import PendingImport


class Command(BaseCommand):
    help = "Delete code files uploaded in the admin and never confirmed."

    def handle(self, *args, **options):
        count, _ = PendingImport.objects.stale().delete()
        self.stdout.write(
            f"{count} unconfirmed upload{'s' if count != 1 else ''} deleted."
        )

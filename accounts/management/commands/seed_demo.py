import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import Library, User
from codes import importing
from codes.models import CodeBatch

LIBRARIES = [
    # slug, name, contact
    ("demo", "Demo City Library", "library@demo.test"),
    ("demo-north", "Demo City Library, North Branch", "north@demo.test"),
]

ACCOUNTS = [
    # email, full name, role, library slug (staff) or home library (readers)
    ("empik@demo.test", "Ewa Provider", roles.EMPIK, None),
    ("librarian@demo.test", "Lena Librarian", roles.LIBRARY, "demo"),
    ("librarian-north@demo.test", "Norbert Librarian", roles.LIBRARY, "demo-north"),
    ("reader@demo.test", "Rafał Reader", roles.READER, "demo"),
    ("reader2@demo.test", "Renata Reader", roles.READER, "demo"),
]


class Command(BaseCommand):
    help = "Make the demo libraries, accounts and codes; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="Password of every demo account (random when left out)."
        )

    def handle(self, *args, password=None, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo makes well-known accounts; it runs only with DEBUG on."
            )
        password = password or secrets.token_urlsafe(9)

        with transaction.atomic():
            libraries = {
                slug: Library.objects.update_or_create(
                    slug=slug, defaults={"name": name, "contact_email": contact}
                )[0]
                for slug, name, contact in LIBRARIES
            }
            for index, (email, full_name, role, slug) in enumerate(ACCOUNTS):
                self._account(
                    email, full_name, role, libraries.get(slug), index, password
                )
            self._codes(libraries)

        self.stdout.write(f"Demo accounts, all with the password {password}:")
        for email, _, role, slug in ACCOUNTS:
            self.stdout.write(f"  {email:<28} {role:<8} {slug or ''}")

    def _account(self, email, full_name, role, library, index, password):
        user = User.objects.filter(email__iexact=email).first() or User(email=email)
        user.full_name = full_name
        user.is_staff = role == roles.EMPIK
        if role == roles.READER:
            user.home_library = library
            user.card_number = f"DEMO-{index:04d}"
        else:
            user.library = library
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])

    def _codes(self, libraries):
        """Make the demo's code batches, once; the code pool's job."""
        batch_name = "Demo codes"
        valid_until = timezone.localdate() + timedelta(days=365)
        for slug, prefix, count in [("demo", "DEMO", 20), ("demo-north", "NORTH", 5)]:
            library = libraries[slug]
            # The batch's name marks the codes made by an earlier run.
            if CodeBatch.objects.filter(library=library, name=batch_name).exists():
                continue
            result = importing.import_code_values(
                [f"{prefix}-{number:04d}" for number in range(1, count + 1)],
                library=library,
                batch_name=batch_name,
                valid_until=valid_until,
                source_name="seed_demo",
            )
            if not result.ok:
                raise CommandError(
                    f"Demo codes for {slug}: {'; '.join(map(str, result.errors[:3]))}"
                )

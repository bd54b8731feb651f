from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts import roles, services
from accounts.models import Library, User


class Command(BaseCommand):
    help = (
        "Create a staff account (provider or librarian) and mail the person a "
        "link to choose their password."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", required=True, help="Full name.")
        parser.add_argument(
            "--role", required=True, choices=[roles.EMPIK, roles.LIBRARY]
        )
        parser.add_argument("--library", help="Slug of the librarian's library.")
        parser.add_argument(
            "--domain",
            default="127.0.0.1:8000",
            help="Host (and port) of the portal, used in the password link.",
        )
        parser.add_argument(
            "--http", action="store_true", help="Link with http:// instead of https://."
        )

    def handle(self, *args, email, name, role, library, domain, http, **options):
        library_obj = None
        if role == roles.LIBRARY:
            if not library:
                raise CommandError(_("A librarian needs --library SLUG."))
            library_obj = Library.objects.filter(slug=library).first()
            if library_obj is None:
                raise CommandError(
                    _("No library has the slug %(slug)r.") % {"slug": library}
                )
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(
                _("An account for %(email)s exists already.") % {"email": email}
            )

        user = services.create_staff(
            email=email, full_name=name, role=role, library=library_obj
        )
        services.send_password_link(user, domain=domain, use_https=not http)
        self.stdout.write(
            _("Created %(role)s account %(email)s; a password link was mailed.")
            % {"role": role, "email": user.email}
        )

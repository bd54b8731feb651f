import logging
import secrets

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group
from django.db import transaction

from accounts import roles
from accounts.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def register_reader(*, email, full_name, password, home_library, card_number):
    """Create a reader's account in the reader group."""
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        home_library=home_library,
        card_number=card_number,
    )
    user.groups.add(Group.objects.get(name=roles.READER))
    logger.info(
        "User %s: registered as a reader of library %s", user.pk, home_library.pk
    )
    return user


def give_secret_password(user):
    """Set a password nobody knows, so that the reset flow can replace it.

    Django's reset form ignores accounts without a usable password, so a
    new staff account gets a random one instead of none.
    """
    user.set_password(secrets.token_urlsafe(32))


@transaction.atomic
def create_staff(*, email, full_name, role, library=None):
    """Create a provider's or a librarian's account; the person sets the password."""
    if role not in (roles.EMPIK, roles.LIBRARY):
        raise ValueError(f"A staff role is empik or library, not {role!r}.")
    if role == roles.LIBRARY and library is None:
        raise ValueError("A librarian belongs to a library.")

    user = User(
        email=User.objects.normalize_email(email),
        full_name=full_name,
        library=library if role == roles.LIBRARY else None,
        # Provider staff load codes in the Django admin.
        is_staff=role == roles.EMPIK,
    )
    give_secret_password(user)
    user.save()
    user.groups.add(Group.objects.get(name=role))
    logger.info("User %s: staff account created with role %s", user.pk, role)
    return user


def send_password_link(user, *, domain, use_https, request=None):
    """Mail ``user`` the link that lets them choose a password."""
    form = PasswordResetForm({"email": user.email})
    form.is_valid()
    form.save(domain_override=domain, use_https=use_https, request=request)
    logger.info("User %s: password link mailed", user.pk)

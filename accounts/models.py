from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.validators import validate_card_number


class Library(models.Model):
    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    # Approved requests a reader may have at this library per calendar month.
    monthly_limit = models.PositiveSmallIntegerField(
        default=1, verbose_name=_("monthly limit")
    )
    contact_email = models.EmailField(blank=True, verbose_name=_("contact email"))
    # Staff are warned by mail when the pool of available codes falls below.
    low_pool_threshold = models.PositiveIntegerField(
        default=5, verbose_name=_("low pool threshold")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("library")
        verbose_name_plural = _("libraries")

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def signed_in(self, pk):
        """The user ``pk`` with their library and role names, or None.

        One written-out query instead of three ORM queries (the user, their
        groups, their library): every signed-in request reads them, and the
        three cost more than a simple page's own work.
        """
        groups = self.model._meta.get_field("groups")
        library_fields = Library._meta.concrete_fields
        sql = (
            "SELECT u.*, g.name AS role_name, {library_columns} FROM {users} u "
            "LEFT JOIN {memberships} m ON m.{member} = u.id "
            "LEFT JOIN {groups} g ON g.id = m.{group} AND g.name IN ({names}) "
            "LEFT JOIN {libraries} l ON l.id = u.library_id "
            "WHERE u.id = %s"
        ).format(
            library_columns=", ".join(
                f"l.{field.column} AS library__{field.column}"
                for field in library_fields
            ),
            users=self.model._meta.db_table,
            memberships=groups.remote_field.through._meta.db_table,
            member=groups.m2m_column_name(),
            group=groups.m2m_reverse_name(),
            groups=groups.related_model._meta.db_table,
            libraries=Library._meta.db_table,
            names=", ".join(["%s"] * len(roles.ALL)),
        )
        rows = list(self.raw(sql, [*roles.ALL, pk]))
        if not rows:
            return None

        user = rows[0]
        user._role_names = frozenset(row.role_name for row in rows if row.role_name)
        if user.library_id is not None:
            user.library = Library.from_db(
                self.db,
                [field.attname for field in library_fields],
                [getattr(user, f"library__{field.column}") for field in library_fields],
            )
        return user


class User(AbstractUser):
    """A person who signs in with their email address.

    Readers carry a home library and a card number; librarians belong to the
    library whose queue they work through; provider staff belong to neither.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(max_length=150, verbose_name=_("full name"))
    card_number = models.CharField(
        _("library card number"),
        max_length=32,
        blank=True,
        validators=[validate_card_number],
    )
    home_library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="readers",
        verbose_name=_("home library"),
    )
    library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("The library whose queue a librarian works through."),
        verbose_name=_("library"),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("accounts:profile")

    def role_names(self):
        """The names of the role groups this user is in, read once."""
        if not hasattr(self, "_role_names"):
            self._role_names = frozenset(
                self.groups.filter(name__in=roles.ALL).values_list("name", flat=True)
            )
        return self._role_names

    @property
    def is_reader(self):
        return roles.READER in self.role_names()

    @property
    def is_librarian(self):
        return roles.LIBRARY in self.role_names() and self.library_id is not None

    @property
    def is_provider(self):
        return roles.EMPIK in self.role_names()

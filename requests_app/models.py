from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Library
from accounts.validators import validate_card_number
from codes.models import Code


class RequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("request status", "pending")
    APPROVED = "approved", pgettext_lazy("request status", "approved")
    WAITLISTED = "waitlisted", pgettext_lazy("request status", "waitlisted")
    REJECTED = "rejected", pgettext_lazy("request status", "rejected")
    CANCELLED = "cancelled", pgettext_lazy("request status", "cancelled")


OPEN_STATUSES = (RequestStatus.PENDING, RequestStatus.WAITLISTED)

# The librarian's queue lists pending requests before all others; an index
# on this very expression lets the database read the queue in order.
PENDING_FIRST = Case(
    When(status=RequestStatus.PENDING, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)

# The moves a request may make; everything else is refused. A decision is
# final: approved, rejected and cancelled requests move no more.
TRANSITIONS = {
    RequestStatus.PENDING: {
        RequestStatus.APPROVED,
        RequestStatus.WAITLISTED,
        RequestStatus.REJECTED,
        RequestStatus.CANCELLED,
    },
    RequestStatus.WAITLISTED: {RequestStatus.APPROVED, RequestStatus.CANCELLED},
    RequestStatus.APPROVED: set(),
    RequestStatus.REJECTED: set(),
    RequestStatus.CANCELLED: set(),
}


class IllegalTransition(Exception):
    """A request was asked to move where its status does not allow."""

    def __init__(self, request, status):
        self.request = request
        self.status = status
        super().__init__(f"{request} is {request.status}; it cannot become {status}.")


class CodeRequest(models.Model):
    """A reader's request to their library for one code."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="code_requests",
        verbose_name=_("reader"),
    )
    library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        related_name="code_requests",
        verbose_name=_("library"),
    )
    # The card number the reader gave with this request, checked at the desk.
    card_number = models.CharField(
        _("library card number"), max_length=32, validators=[validate_card_number]
    )
    status = models.CharField(
        max_length=16,
        choices=RequestStatus.choices,
        default=RequestStatus.PENDING,
        verbose_name=_("status"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, verbose_name=_("created at")
    )
    decided_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("decided at")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    rejection_reason = models.TextField(blank=True, verbose_name=_("rejection reason"))
    # One code goes to one request, ever: the database keeps it so.
    code = models.OneToOneField(
        Code,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request",
        verbose_name=_("code"),
    )
    fulfilled_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("fulfilled at")
    )
    cancelled_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("cancelled at")
    )
    # Set when the mail telling the reader of a decision could not be sent.
    mail_failed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("mail failed at")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("code request")
        verbose_name_plural = _("code requests")
        constraints = [
            models.UniqueConstraint(
                fields=["reader", "library"],
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_request_per_library",
            ),
            models.CheckConstraint(
                condition=Q(status=RequestStatus.APPROVED, code__isnull=False)
                | (~Q(status=RequestStatus.APPROVED) & Q(code__isnull=True)),
                name="approved_request_has_code",
            ),
        ]
        indexes = [
            models.Index(
                fields=["library", "status", "created_at"],
                name="request_queue_idx",
            ),
            models.Index(
                fields=["library", "status", "fulfilled_at"],
                name="request_fulfilled_idx",
            ),
            # Rejections this month.
            models.Index(
                fields=["library", "status", "decided_at"],
                name="request_decided_idx",
            ),
            models.Index(
                F("library"),
                PENDING_FIRST,
                F("created_at"),
                F("id"),
                name="request_queue_order_idx",
            ),
            models.Index(fields=["reader", "created_at"], name="request_reader_idx"),
        ]

    def __str__(self):
        return gettext("Request #%(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("requests:request-detail", args=[self.pk])

    def get_review_url(self):
        return reverse("library:request-review", args=[self.pk])

    @property
    def status_label(self):
        """The status in words; get_status_display() is slow in long lists."""
        return str(RequestStatus(self.status).label)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def can_move_to(self, status):
        return status in TRANSITIONS[self.status]

    def move_to(self, status, *, by=None, note="", at=None):
        """Change status, keeping the step in the request's history.

        Saves the request and its event; the caller holds the row lock.
        """
        if not self.can_move_to(status):
            raise IllegalTransition(self, status)

        self.status = status
        self.save()
        return RequestEvent.objects.create(
            request=self, status=status, by=by, note=note, at=at or timezone.now()
        )


class RequestEvent(models.Model):
    """One step in a request's life: who moved it to which status, when."""

    request = models.ForeignKey(
        CodeRequest,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("request"),
    )
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, verbose_name=_("status")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by whom"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")

    def __str__(self):
        return f"{self.request}: {self.status}"

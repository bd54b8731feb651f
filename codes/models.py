from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.models import Library


class CodeStatus(models.TextChoices):
    AVAILABLE = "available", "available"
    ASSIGNED = "assigned", "assigned"
    REDEEMED = "redeemed", "redeemed"
    EXPIRED = "expired", "expired"
    VOID = "void", "void"


class CodeBatch(models.Model):
    """One load of codes, allotted to one library."""

    name = models.CharField(max_length=200)
    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, related_name="batches"
    )
    # The default expiry of the batch's codes; a row of the file may override it.
    valid_until = models.DateField()
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    loaded_at = models.DateTimeField(default=timezone.now)
    source_name = models.CharField("source file", max_length=255, blank=True)
    size = models.PositiveIntegerField("codes loaded", default=0)

    class Meta:
        ordering = ["-loaded_at", "-id"]
        verbose_name_plural = "code batches"
        indexes = [models.Index(fields=["library", "valid_until"])]

    def __str__(self):
        return self.name


class CodeQuerySet(models.QuerySet):
    def available(self, today=None):
        """Codes that may still be handed out: available and not expired."""
        today = today or timezone.localdate()
        return self.filter(status=CodeStatus.AVAILABLE, valid_until__gte=today)

    def in_hand_out_order(self):
        """Codes that expire first go out first."""
        return self.order_by("valid_until", "id")


class Code(models.Model):
    value = models.CharField(max_length=64)
    batch = models.ForeignKey(CodeBatch, on_delete=models.PROTECT, related_name="codes")
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="codes")
    status = models.CharField(
        max_length=16, choices=CodeStatus.choices, default=CodeStatus.AVAILABLE
    )
    valid_until = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    assigned_at = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["valid_until", "id"]
        constraints = [
            # Two codes that differ only in letter case are the same code.
            models.UniqueConstraint(Upper("value"), name="code_value_unique_ci"),
        ]
        indexes = [
            # Picking the next code to hand out, and a library's pool figures.
            models.Index(
                fields=["library", "status", "valid_until"],
                name="code_pool_idx",
            ),
            models.Index(fields=["batch", "status"], name="code_batch_status_idx"),
            # Hand-outs per library per month.
            models.Index(fields=["library", "assigned_at"], name="code_assigned_idx"),
        ]

    def __str__(self):
        return f"{self.batch} #{self.pk}"


class PendingImportQuerySet(models.QuerySet):
    def stale(self, now=None):
        """Uploads left unconfirmed for longer than a confirmation may take."""
        now = now or timezone.now()
        return self.filter(created_at__lt=now - PendingImport.MAX_AGE)


class PendingImport(models.Model):
    """A code file uploaded in the admin, waiting for its confirmation.

    The file lives in the database so that the confirmation works on any
    worker of any host.
    """

    MAX_AGE = timedelta(days=1)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    file_name = models.CharField(max_length=255)
    data = models.BinaryField()
    # What the preview showed: the confirmation loads exactly this.
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    batch_name = models.CharField(max_length=200)
    valid_until = models.DateField(null=True, blank=True)

    objects = PendingImportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.file_name

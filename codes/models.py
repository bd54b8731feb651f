import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, models, router, transaction
from django.db.models import F, Q
from django.db.models.functions import TruncMonth, Upper
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Library
from codes.figure_cache import figures_changed

logger = logging.getLogger(__name__)


class CodeStatus(models.TextChoices):
    AVAILABLE = "available", pgettext_lazy("code status", "available")
    ASSIGNED = "assigned", pgettext_lazy("code status", "assigned")
    REDEEMED = "redeemed", pgettext_lazy("code status", "redeemed")
    EXPIRED = "expired", pgettext_lazy("code status", "expired")
    VOID = "void", pgettext_lazy("code status", "void")


class CodeBatch(models.Model):
    """One load of codes, allotted to one library."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        related_name="batches",
        verbose_name=_("library"),
    )
    # The default expiry of the batch's codes; a row of the file may override it.
    valid_until = models.DateField(verbose_name=_("valid until"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loaded by"),
    )
    loaded_at = models.DateTimeField(default=timezone.now, verbose_name=_("loaded at"))
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("codes loaded"), default=0)

    class Meta:
        ordering = ["-loaded_at", "-id"]
        verbose_name = _("code batch")
        verbose_name_plural = _("code batches")
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

    def tally(self):
        """How many of these codes each tally counts, by tally key."""
        rows = (
            self.order_by()
            .values(*TALLY_FIELDS[:-1], month=TruncMonth("assigned_at"))
            .annotate(codes=models.Count("pk"))
            .values_list(*TALLY_FIELDS[:-1], "month", "codes")
        )
        counts = {}
        for *head, month, codes in rows:
            key = (*head, _month_of(month))
            counts[key] = counts.get(key, 0) + codes
        return counts


class Code(models.Model):
    value = models.CharField(max_length=64, verbose_name=_("value"))
    batch = models.ForeignKey(
        CodeBatch,
        on_delete=models.PROTECT,
        related_name="codes",
        verbose_name=_("batch"),
    )
    library = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        related_name="codes",
        verbose_name=_("library"),
    )
    status = models.CharField(
        max_length=16,
        choices=CodeStatus.choices,
        default=CodeStatus.AVAILABLE,
        verbose_name=_("status"),
    )
    valid_until = models.DateField(verbose_name=_("valid until"))
    created_at = models.DateTimeField(
        default=timezone.now, verbose_name=_("created at")
    )
    assigned_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("assigned at")
    )
    redeemed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("redeemed at")
    )
    expired_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("expired at")
    )
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("voided at"))

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["valid_until", "id"]
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        constraints = [
            # Two codes that differ only in letter case are the same code.
            models.UniqueConstraint(Upper("value"), name="code_value_unique_ci"),
        ]
        indexes = [
            # Picking the next code to hand out, and a library's code list,
            # both read in this order.
            models.Index(
                fields=["library", "status", "valid_until", "id"],
                name="code_pool_idx",
            ),
            models.Index(fields=["batch", "status"], name="code_batch_status_idx"),
            # A library's codes in the order they went out (the codes list
            # sorted by "Handed out").
            models.Index(fields=["library", "assigned_at"], name="code_assigned_idx"),
        ]

    def __str__(self):
        return f"{self.batch} #{self.pk}"

    def save(self, *args, **kwargs):
        """Save the code; move it between tallies in the same transaction."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not TALLIED_FIELDS.intersection(update_fields):
            super().save(*args, **kwargs)
            return

        using = kwargs.get("using") or router.db_for_write(Code, instance=self)
        with transaction.atomic(using=using, savepoint=False):
            before = {}
            if not self._state.adding:
                before = Code.objects.using(using).filter(pk=self.pk).tally()
            super().save(*args, **kwargs)
            changes = {key: -codes for key, codes in before.items()}
            after = self.tally_key()
            changes[after] = changes.get(after, 0) + 1
            CodeTally.objects.using(using).add(changes)

    @property
    def status_label(self):
        """The status in words; get_status_display() is slow in long lists."""
        return str(CodeStatus(self.status).label)

    def tally_key(self):
        """The key of the tally that counts this code."""
        return (
            self.library_id,
            self.batch_id,
            self.status,
            _field_value(self, "valid_until"),
            _field_value(self, "created_at"),
            _month_of(self.assigned_at),
        )


# What the provider's figures group and filter codes by. A code's tally is
# the one whose key holds these values of the code, with its hand-out time
# cut to the local month.
TALLY_FIELDS = (
    "library_id",
    "batch_id",
    "status",
    "valid_until",
    "created_at",
    "assigned_month",
)
# Codes per query when counting many at once: under SQLite's parameter limit.
RESTATE_CHUNK = 500
TALLIED_FIELDS = frozenset(
    ["library", "library_id", "batch", "batch_id", "status"]
    + ["valid_until", "created_at", "assigned_at"]
)


def _field_value(code, name):
    return Code._meta.get_field(name).to_python(getattr(code, name))


def _month_of(moment):
    if moment is None:
        return None
    return timezone.localtime(moment).date().replace(day=1)


def _key_order(key):
    *head, month = key
    return (*head, month or date.min)


@receiver(post_delete, sender=Code)
def _untally_deleted_code(sender, instance, using, **kwargs):
    CodeTally.objects.using(using).add({instance.tally_key(): -1})


@receiver(post_save, sender=Library)
@receiver(post_delete, sender=Library)
@receiver(post_save, sender=CodeBatch)
@receiver(post_delete, sender=CodeBatch)
def _name_changed(sender, using, **kwargs):
    """The figures name libraries and batches: draw them afresh."""
    figures_changed(using)


class CodeTallyQuerySet(models.QuerySet):
    def available(self, library, today=None):
        """The tallies of the codes ``library`` may still hand out."""
        today = today or timezone.localdate()
        return self.filter(
            library=library, status=CodeStatus.AVAILABLE, valid_until__gte=today
        )

    def codes(self):
        """How many codes these tallies count, in one aggregate."""
        return self.aggregate(codes=models.Sum("count"))["codes"] or 0

    def counted(self):
        """Tallies that count at least one code; emptied ones stay at zero."""
        return self.filter(count__gt=0)

    def add(self, changes):
        """Add to each tally named in ``changes`` (key: codes) its number.

        Tallies are changed in the order of their keys, so that transactions
        changing several never wait for each other in a circle.
        """
        changed = [key for key in changes if changes[key]]
        for key in sorted(changed, key=_key_order):
            self._add_to(key, changes[key])
        if changed:
            figures_changed(self.db)

    def _add_to(self, key, codes):
        fields = dict(zip(TALLY_FIELDS, key, strict=True))
        tally = self.filter(**fields)
        if codes < 0:
            # Figures out of step must not stop a code from changing.
            if not tally.filter(count__gte=-codes).update(count=F("count") + codes):
                logger.error(
                    "Code tallies: fewer than %s codes to take from, batch %s; "
                    "recount them",
                    -codes,
                    fields["batch_id"],
                )
            return
        if tally.update(count=F("count") + codes):
            return
        try:
            with transaction.atomic(using=self.db):
                self.create(count=codes, **fields)
        except IntegrityError:
            # Another transaction made this tally since the update above.
            tally.update(count=F("count") + codes)

    def count_new(self, counts):
        """Add tallies for codes no tally counts yet, such as a new batch's."""
        figures_changed(self.db)
        self.bulk_create(
            [
                CodeTally(count=count, **dict(zip(TALLY_FIELDS, key, strict=True)))
                for key, count in counts.items()
            ],
            batch_size=1000,
        )

    def restate(self, pks, status):
        """Move the codes ``pks`` to ``status`` in the tallies, before the update.

        Every code is counted first and each tally changed once, in key
        order, however many codes there are.
        """
        changes = {}
        for start in range(0, len(pks), RESTATE_CHUNK):
            codes = Code.objects.using(self.db).filter(
                pk__in=pks[start : start + RESTATE_CHUNK]
            )
            for key, count in codes.tally().items():
                after = (*key[:2], status, *key[3:])
                changes[key] = changes.get(key, 0) - count
                changes[after] = changes.get(after, 0) + count
        self.add(changes)

    def rebuild(self):
        """Count every code again, from scratch."""
        self.all().delete()
        self.count_new(Code.objects.using(self.db).tally())

    def as_counts(self):
        """Codes by tally key, leaving out the empty tallies."""
        return {
            tuple(row[:-1]): row[-1]
            for row in self.counted().values_list(*TALLY_FIELDS, "count")
        }


class CodeTally(models.Model):
    """How many codes share a batch, status, last valid day and hand-out month.

    Codes are also told apart by their loading time, which the figures
    filter on. The provider's figures add up these few rows per batch
    instead of counting a million codes on every view. Every change of a
    code moves it from one tally to another in the same transaction:
    ``Code.save`` for one code, the import and the services for many at
    once. ``QuerySet.update()``, ``bulk_create()`` and raw SQL pass them by;
    ``CodeTally.objects.rebuild()`` counts every code again.
    """

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(CodeBatch, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=CodeStatus.choices)
    valid_until = models.DateField()
    created_at = models.DateTimeField()
    # The first day of the local month the codes went to readers.
    assigned_month = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)

    objects = CodeTallyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "code tallies"
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "status", "valid_until", "created_at", "library"],
                condition=Q(assigned_month__isnull=True),
                name="code_tally_unique",
            ),
            models.UniqueConstraint(
                fields=[
                    "batch",
                    "status",
                    "valid_until",
                    "created_at",
                    "library",
                    "assigned_month",
                ],
                condition=Q(assigned_month__isnull=False),
                name="code_tally_handed_out_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["library", "status", "valid_until"], name="code_tally_pool_idx"
            ),
        ]

    def __str__(self):
        return f"{self.batch_id}/{self.status}: {self.count}"


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

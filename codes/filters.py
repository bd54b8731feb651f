"""Which codes the provider's pages show, and what status each one counts as.

A code past its ``valid_until`` that nobody has marked expired yet is still
``available`` in the database, but it can never be handed out: every figure,
filter and export counts it as expired.
"""

import datetime

import django_filters
from django.db.models import Case, CharField, Count, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Library
from codes.models import Code, CodeBatch, CodeStatus
from codeshare.forms import FilterForm, QuickDateInput, QuickSelect

# The figures the dashboard shows for a group of codes.
STATUS_FIGURES = (*CodeStatus.values, "total")
# Batches the batch filter lists when no library is chosen.
RECENT_BATCHES = 30


def status_q(status, today):
    """The condition for codes that count as ``status`` on ``today``."""
    if status == CodeStatus.AVAILABLE:
        return Q(status=CodeStatus.AVAILABLE, valid_until__gte=today)
    if status == CodeStatus.EXPIRED:
        return Q(status=CodeStatus.EXPIRED) | Q(
            status=CodeStatus.AVAILABLE, valid_until__lt=today
        )
    return Q(status=status)


def status_counts(today):
    """Aggregates counting codes in each status, and in all, for annotate()."""
    counts = {
        status: Count("pk", filter=status_q(status, today))
        for status in CodeStatus.values
    }
    counts["total"] = Count("pk")
    return counts


def status_sums(today):
    """Aggregates adding up code tallies in each status, and in all."""
    sums = {
        status: Sum("count", filter=status_q(status, today), default=0)
        for status in CodeStatus.values
    }
    sums["total"] = Sum("count", default=0)
    return sums


def with_effective_status(codes, today):
    """Annotate each code with the status it counts as on ``today``."""
    return codes.annotate(
        effective_status=Case(
            When(
                status=CodeStatus.AVAILABLE,
                valid_until__lt=today,
                then=Value(CodeStatus.EXPIRED.value),
            ),
            default="status",
            output_field=CharField(),
        )
    )


class CodeFilterForm(FilterForm):
    """The dashboard's filters; the batch list stays short.

    A provider loads batches every month for years: the batch list holds
    the chosen library's batches, or with no library chosen the most
    recently loaded ones. Any batch can still be asked for in the query
    string, as the export links carry it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Lists, not the fields' own querysets: those would iterate through
        # a server-side cursor, three round trips for a few dozen rows.
        library = self.fields["library"]
        library.widget.choices = [
            ("", library.empty_label),
            *Library.objects.order_by("name").values_list("pk", "name"),
        ]
        field = self.fields["batch"]
        field.help_text = gettext_lazy(
            "Choose a library to list all of its batches; "
            "otherwise the %(count)s loaded last are listed."
        ) % {"count": RECENT_BATCHES}
        field.widget.choices = [("", field.empty_label)] + [
            (pk, f"{name} ({slug})") for pk, name, slug in self._listed_batches()
        ]

    def _listed_batches(self):
        """(pk, name, library slug) of the batches the list offers."""
        batches = CodeBatch.objects.order_by("-loaded_at", "-id").values_list(
            "pk", "name", "library__slug"
        )
        library = _number(self.data.get("library"))
        chosen = _number(self.data.get("batch"))
        if library is not None:
            return batches.filter(library_id=library)
        listed = list(batches[:RECENT_BATCHES])
        if chosen is not None and chosen not in {pk for pk, *_ in listed}:
            listed.extend(batches.filter(pk=chosen))
        return listed


def _number(value):
    """A positive whole number given in the query string, else None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def start_of_day(day):
    """The local midnight that ``day`` begins with, as an aware moment."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class CodeFilter(django_filters.FilterSet):
    """Filters shared by the dashboard and the export, through the query string.

    Every filter works alike on codes and on code tallies, whose fields
    carry the same names.
    """

    library = django_filters.ModelChoiceFilter(
        queryset=Library.objects.order_by("name"),
        label=gettext_lazy("Library"),
        empty_label=gettext_lazy("All libraries"),
        widget=QuickSelect,
    )
    batch = django_filters.ModelChoiceFilter(
        queryset=CodeBatch.objects.all(),
        label=gettext_lazy("Batch"),
        empty_label=gettext_lazy("All batches"),
        widget=QuickSelect,
    )
    status = django_filters.ChoiceFilter(
        choices=CodeStatus.choices,
        label=gettext_lazy("Status"),
        empty_label=gettext_lazy("All statuses"),
        method="filter_status",
        widget=QuickSelect,
    )
    loaded_from = django_filters.DateFilter(
        label=gettext_lazy("Loaded from"),
        method="filter_loaded_from",
        widget=QuickDateInput,
    )
    loaded_to = django_filters.DateFilter(
        label=gettext_lazy("Loaded up to"),
        method="filter_loaded_to",
        widget=QuickDateInput,
    )
    valid_from = django_filters.DateFilter(
        label=gettext_lazy("Valid until, from"),
        field_name="valid_until",
        lookup_expr="gte",
        widget=QuickDateInput,
    )
    valid_to = django_filters.DateFilter(
        label=gettext_lazy("Valid until, up to"),
        field_name="valid_until",
        lookup_expr="lte",
        widget=QuickDateInput,
    )

    class Meta:
        model = Code
        fields = ["library", "batch", "status"]
        form = CodeFilterForm

    def filter_status(self, codes, name, value):
        return codes.filter(status_q(value, timezone.localdate()))

    # Whole local days: from the first day's midnight to the last one's end,
    # compared as a range rather than by converting every row to a date.
    def filter_loaded_from(self, codes, name, value):
        return codes.filter(created_at__gte=start_of_day(value))

    def filter_loaded_to(self, codes, name, value):
        next_day = value + datetime.timedelta(days=1)
        return codes.filter(created_at__lt=start_of_day(next_day))

    def query_string(self, **extra):
        """The filters as given, for links that carry them to another page."""
        query = self.data.copy()
        for key in list(query):
            if key not in self.filters:
                del query[key]
        for key, value in extra.items():
            query[key] = value
        return query.urlencode()

"""Which codes the provider's pages show, and what status each one counts as.

A code past its ``valid_until`` that nobody has marked expired yet is still
``available`` in the database, but it can never be handed out: every figure,
filter and export counts it as expired.
"""

import datetime

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.db.models import Case, CharField, Count, Q, Sum, Value, When
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from accounts.models import Library
from codes.models import Code, CodeBatch, CodeStatus


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


class CodeFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].label_from_instance = lambda batch: (
            f"{batch.name} ({batch.library.slug})"
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("library", css_class="col-12 col-md-4"),
                Column("batch", css_class="col-12 col-md-5"),
                Column("status", css_class="col-12 col-md-3"),
            ),
            Row(
                Column("loaded_from", css_class="col-6 col-lg-3"),
                Column("loaded_to", css_class="col-6 col-lg-3"),
                Column("valid_from", css_class="col-6 col-lg-3"),
                Column("valid_to", css_class="col-6 col-lg-3"),
            ),
        )


class QuickSelect(forms.Select):
    """A select written out directly, as Django's own templates write it.

    A template rendered for each option costs a tenth of a millisecond: the
    batch filter lists every batch ever loaded, hundreds of them.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, group_choices, _ in widget["optgroups"]:
            options = format_html_join(
                "",
                '\n  <option value="{}"{}>{}</option>\n',
                (
                    (option["value"], _attributes(option["attrs"]), option["label"])
                    for option in group_choices
                ),
            )
            if group_name:
                options = format_html(
                    '\n  <optgroup label="{}">{}\n  </optgroup>', group_name, options
                )
            groups.append(options)
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            _attributes(widget["attrs"]),
            mark_safe("".join(groups)),
        )


def _attributes(attrs):
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _start_of_day(day):
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
    )
    batch = django_filters.ModelChoiceFilter(
        queryset=CodeBatch.objects.select_related("library").order_by(
            "-loaded_at", "-id"
        ),
        label=gettext_lazy("Batch"),
        empty_label=gettext_lazy("All batches"),
        widget=QuickSelect,
    )
    status = django_filters.ChoiceFilter(
        choices=CodeStatus.choices,
        label=gettext_lazy("Status"),
        empty_label=gettext_lazy("All statuses"),
        method="filter_status",
    )
    loaded_from = django_filters.DateFilter(
        label=gettext_lazy("Loaded from"),
        method="filter_loaded_from",
        widget=_date_input(),
    )
    loaded_to = django_filters.DateFilter(
        label=gettext_lazy("Loaded up to"),
        method="filter_loaded_to",
        widget=_date_input(),
    )
    valid_from = django_filters.DateFilter(
        label=gettext_lazy("Valid until, from"),
        field_name="valid_until",
        lookup_expr="gte",
        widget=_date_input(),
    )
    valid_to = django_filters.DateFilter(
        label=gettext_lazy("Valid until, up to"),
        field_name="valid_until",
        lookup_expr="lte",
        widget=_date_input(),
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
        return codes.filter(created_at__gte=_start_of_day(value))

    def filter_loaded_to(self, codes, name, value):
        next_day = value + datetime.timedelta(days=1)
        return codes.filter(created_at__lt=_start_of_day(next_day))

    def query_string(self, **extra):
        """The filters as given, for links that carry them to another page."""
        query = self.data.copy()
        for key in list(query):
            if key not in self.filters:
                del query[key]
        for key, value in extra.items():
            query[key] = value
        return query.urlencode()

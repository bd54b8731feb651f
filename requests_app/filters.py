import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from codes.models import Code, CodeStatus
from codeshare.forms import FilterForm, QuickDateInput, QuickSelect, QuickTextInput
from requests_app.models import CodeRequest, RequestStatus


class QueueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=RequestStatus.choices,
        empty_label=_("Any status"),
        widget=QuickSelect,
    )
    search = django_filters.CharFilter(
        label=_("Card number or name"), method="filter_search", widget=QuickTextInput
    )
    asked_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Asked from"),
        widget=QuickDateInput,
    )
    asked_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Asked until"),
        widget=QuickDateInput,
    )

    class Meta:
        model = CodeRequest
        fields = ["status"]
        form = FilterForm

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(card_number__iexact=value) | Q(reader__full_name__icontains=value)
        )


class LibraryCodeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=CodeStatus.choices,
        empty_label=_("Any status"),
        widget=QuickSelect,
    )
    value = django_filters.CharFilter(
        label=_("Code"), lookup_expr="iexact", widget=QuickTextInput
    )

    class Meta:
        model = Code
        fields = ["status", "value"]
        form = FilterForm

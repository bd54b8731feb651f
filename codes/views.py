import datetime
import logging

from django.contrib import messages
from django.db.models import F, Max, Min, Sum
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from accounts import roles
from accounts.decorators import role_required
from codes import exports, services
from codes.filters import CodeFilter, status_q, status_sums
from codes.forms import RedeemForm, VoidForm
from codes.models import Code, CodeStatus, CodeTally
from codes.tables import BatchFiguresTable, ExpiringBatchTable, LibraryFiguresTable

logger = logging.getLogger(__name__)

PER_PAGE = 25
EXPIRING_WITHIN_DAYS = 30
CHART_MONTHS = 12
EXPORT_FORMATS = {"csv": exports.csv_response, "xlsx": exports.xlsx_response}


@role_required(roles.EMPIK)
@require_GET
def dashboard(request):
    today = timezone.localdate()
    filterset = CodeFilter(request.GET, queryset=Code.objects.all())
    # The figures add up code tallies, a few rows per batch, under the same
    # filters as the codes themselves.
    tallies = (
        filterset.filter_queryset(CodeTally.objects.counted())
        if filterset.is_valid()
        else CodeTally.objects.none()
    )
    sums = status_sums(today)

    by_library = (
        tallies.values(
            "library_id",
            library_name=F("library__name"),
            library_slug=F("library__slug"),
        )
        .annotate(**sums)
        .order_by("library_name", "library_id")
    )
    by_batch = (
        tallies.values(
            "batch_id",
            batch_name=F("batch__name"),
            library_slug=F("batch__library__slug"),
            batch_valid_until=F("batch__valid_until"),
            batch_loaded_at=F("batch__loaded_at"),
        )
        .annotate(**sums)
        .order_by("-batch_loaded_at", "-batch_id")
    )
    expiring = (
        tallies.filter(
            status_q(CodeStatus.AVAILABLE, today),
            valid_until__lte=today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
        )
        .values(
            "batch_id",
            batch_name=F("batch__name"),
            library_slug=F("batch__library__slug"),
        )
        .annotate(
            first_expiry=Min("valid_until"),
            last_expiry=Max("valid_until"),
            expiring=Sum("count"),
        )
        .order_by("first_expiry", "batch_id")
    )
    tables = {
        "library_table": LibraryFiguresTable(by_library, prefix="library-"),
        "batch_table": BatchFiguresTable(by_batch, prefix="batch-"),
        "expiring_table": ExpiringBatchTable(expiring, prefix="expiring-"),
    }
    # The lazy paginator spares each table a COUNT over the grouped tallies.
    config = RequestConfig(
        request, paginate={"per_page": PER_PAGE, "paginator_class": LazyPaginator}
    )
    for table in tables.values():
        config.configure(table)

    return render(
        request,
        "codes/dashboard.html",
        {
            "filter": filterset,
            "totals": tallies.aggregate(**sums),
            "charts": _hand_out_charts(tallies, today),
            "csv_query": filterset.query_string(format="csv"),
            "xlsx_query": filterset.query_string(format="xlsx"),
            **tables,
        },
    )


@role_required(roles.EMPIK)
@require_GET
@never_cache
def code_export(request):
    export_format = request.GET.get("format", "csv")
    respond = EXPORT_FORMATS.get(export_format)
    if respond is None:
        return HttpResponseBadRequest(_("The format is csv or xlsx."))
    filterset = CodeFilter(request.GET, queryset=Code.objects.all())
    if not filterset.is_valid():
        return HttpResponseBadRequest(_("The filters are not valid."))

    codes = filterset.qs
    if export_format == "xlsx":
        count = codes.count()
        if count > exports.XLSX_MAX_ROWS:
            messages.error(
                request,
                _(
                    "An XLSX export holds at most %(limit)s codes and these "
                    "filters match %(count)s. Narrow the filters or export CSV."
                )
                % {
                    "limit": number_format(exports.XLSX_MAX_ROWS, force_grouping=True),
                    "count": number_format(count, force_grouping=True),
                },
            )
            url, query = reverse("empik:dashboard"), filterset.query_string()
            return redirect(f"{url}?{query}" if query else url)

    logger.info("Codes: exported as %s by user %s", export_format, request.user.pk)
    return respond(codes, today=timezone.localdate())


@role_required(roles.EMPIK)
@require_http_methods(["GET", "POST"])
def code_redeem(request):
    summary = None
    form = RedeemForm()
    if request.method == "POST":
        posted = RedeemForm(request.POST, request.FILES)
        if posted.is_valid():
            summary = services.redeem_codes(
                posted.cleaned_data["codes"], by=request.user
            )
        else:
            form = posted

    return render(request, "codes/code_redeem.html", {"form": form, "summary": summary})


@role_required(roles.EMPIK)
@require_http_methods(["GET", "POST"])
def code_void(request):
    summary = None
    form = VoidForm()
    if request.method == "POST":
        posted = VoidForm(request.POST, request.FILES)
        if posted.is_valid():
            summary = services.void_codes(
                posted.cleaned_data["codes"],
                by=request.user,
                reason=posted.cleaned_data["reason"],
            )
        else:
            form = posted

    return render(request, "codes/code_void.html", {"form": form, "summary": summary})


# The bar chart is drawn as SVG in the template; these are its measures.
BAR_WIDTH = 20
BAR_STEP = 28
BAR_TOP = 18
BAR_MAX_HEIGHT = 100


def _hand_out_charts(tallies, today):
    """Codes handed out per library per month, as bars for an SVG chart."""
    months = _last_months(today, CHART_MONTHS)
    rows = (
        tallies.filter(assigned_month__gte=months[0])
        .values(
            "library_id", month=F("assigned_month"), library_name=F("library__name")
        )
        .annotate(handed_out=Sum("count"))
        .order_by("library_name", "library_id", "month")
    )

    per_library = {}
    for row in rows:
        month = row["month"]
        library = per_library.setdefault(
            row["library_id"], {"name": row["library_name"], "counts": {}}
        )
        library["counts"][month] = row["handed_out"]
    peak = max(
        (n for library in per_library.values() for n in library["counts"].values()),
        default=0,
    )

    charts = []
    for library in per_library.values():
        bars = [
            _bar(index, month, library["counts"].get(month, 0), peak)
            for index, month in enumerate(months)
        ]
        charts.append(
            {
                "library": library["name"],
                "bars": bars,
                "total": sum(library["counts"].values()),
            }
        )
    return {
        "libraries": charts,
        "months": months,
        "width": BAR_STEP * len(months),
        "height": BAR_TOP + BAR_MAX_HEIGHT + 20,
        "baseline": BAR_TOP + BAR_MAX_HEIGHT,
        "label_y": BAR_TOP + BAR_MAX_HEIGHT + 15,
    }


def _bar(index, month, count, peak):
    height = round(count * BAR_MAX_HEIGHT / peak) if peak else 0
    if count and not height:
        height = 1
    x = index * BAR_STEP + (BAR_STEP - BAR_WIDTH) // 2
    return {
        "month": month,
        "label": date_format(month, "M"),
        "title": f"{date_format(month, 'F Y')}: {count}",
        "count": count,
        "x": x,
        "y": BAR_TOP + BAR_MAX_HEIGHT - height,
        "width": BAR_WIDTH,
        "height": height,
        "middle": x + BAR_WIDTH // 2,
        "count_y": BAR_TOP + BAR_MAX_HEIGHT - height - 4,
    }


def _last_months(today, count):
    """The first days of the ``count`` months up to this one, oldest first."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return months[::-1]

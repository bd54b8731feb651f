import logging

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from accounts import roles
from accounts.decorators import role_required
from codes import exports, figure_cache, selectors, services
from codes.charts import bar_chart
from codes.filters import CodeFilter
from codes.forms import RedeemForm, VoidForm
from codes.models import Code, CodeTally
from codes.tables import (
    BatchFiguresTable,
    ExpiringBatchTable,
    HandOutTable,
    LibraryFiguresTable,
)

logger = logging.getLogger(__name__)

PER_PAGE = 25
EXPORT_FORMATS = {"csv": exports.csv_response, "xlsx": exports.xlsx_response}


@role_required(roles.EMPIK)
@require_GET
def dashboard(request):
    today = timezone.localdate()
    figures = figure_cache.drawn(
        request,
        today,
        lambda: render_to_string(
            "codes/partials/dashboard_figures.html",
            figures_context(request, today),
            request=request,
        ),
    )
    return render(request, "codes/dashboard.html", {"figures": mark_safe(figures)})


def figures_context(request, today):
    """The filters, the figures and their tables, as the request asks for them."""
    filterset = CodeFilter(request.GET, queryset=Code.objects.all())
    tallies = (
        filterset.filter_queryset(CodeTally.objects.counted())
        if filterset.is_valid()
        else CodeTally.objects.none()
    )
    by_library, hand_outs = selectors.by_library(tallies, today)

    tables = {
        "library_table": LibraryFiguresTable(by_library, prefix="library-"),
        "batch_table": BatchFiguresTable(
            selectors.figures_by_batch(tallies, today), prefix="batch-"
        ),
        "expiring_table": ExpiringBatchTable(
            selectors.expiring_batches(tallies, today), prefix="expiring-"
        ),
        "hand_out_table": HandOutTable(hand_outs),
    }
    # The lazy paginator spares each table a COUNT over the grouped tallies;
    # the libraries, a few dozen, are all shown.
    config = RequestConfig(
        request, paginate={"per_page": PER_PAGE, "paginator_class": LazyPaginator}
    )
    config.configure(tables["batch_table"])
    config.configure(tables["expiring_table"])
    RequestConfig(request, paginate=False).configure(tables["library_table"])

    return {
        "filter": filterset,
        "totals": selectors.totals(by_library),
        "hand_outs": hand_outs,
        "chart": bar_chart(hand_outs["months"], hand_outs["per_month"]),
        "csv_query": filterset.query_string(format="csv"),
        "xlsx_query": filterset.query_string(format="xlsx"),
        **tables,
    }


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

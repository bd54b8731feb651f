from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from accounts import roles
from accounts.decorators import role_required
from codes.models import Code
from requests_app import selectors, services
from requests_app.filters import LibraryCodeFilter, QueueFilter
from requests_app.forms import RejectForm
from requests_app.models import PENDING_FIRST, CodeRequest
from requests_app.tables import LibraryCodeTable, QueueTable


@role_required(roles.LIBRARY)
def queue(request):
    library = request.user.library
    requests = (
        CodeRequest.objects.filter(library=library)
        .select_related("reader")
        # Only what the table shows: loading every timestamp of the request
        # and the reader's whole account took longer than rendering the page.
        .only("status", "created_at", "card_number", "decided_at", "reader__full_name")
        .annotate(waiting=PENDING_FIRST)
        .order_by("waiting", "created_at", "id")
    )
    filterset = QueueFilter(request.GET, queryset=requests)
    table = QueueTable(filterset.qs)
    # Counting a library's whole history for the page numbers would cost
    # more than the page; the queue pages on from the oldest pending instead.
    RequestConfig(
        request, paginate={"per_page": 25, "paginator_class": LazyPaginator}
    ).configure(table)
    context = {
        "filter": filterset,
        "table": table,
        "figures": selectors.library_figures(library),
    }
    return render(request, "requests_app/queue.html", context)


@role_required(roles.LIBRARY)
def request_review(request, pk):
    library = request.user.library
    code_request = get_object_or_404(
        CodeRequest.objects.select_related("reader", "code", "decided_by"),
        pk=pk,
        library=library,
    )
    action = request.POST.get("action")
    reject_form = RejectForm(request.POST if action == "reject" else None)

    if request.method == "POST":
        if action == "approve" or (action == "reject" and reject_form.is_valid()):
            if _decide(request, code_request, action, reject_form):
                following = selectors.next_pending(library)
                if following is not None:
                    return redirect(following.get_review_url())
                return redirect("library:queue")
            return redirect(code_request.get_review_url())
        if action != "reject":
            messages.error(request, _("Choose approve or reject."))
            return redirect(code_request.get_review_url())

    context = {
        "code_request": code_request,
        "earlier": selectors.earlier_requests(code_request),
        "events": code_request.events.select_related("by"),
        "reject_form": reject_form,
        "waitlist_position": services.waitlist_position(code_request),
    }
    return render(request, "requests_app/request_review.html", context)


def _decide(request, code_request, action, reject_form):
    """Run the librarian's decision; True when it changed the request."""
    try:
        if action == "approve":
            decision = services.approve_request(
                request_id=code_request.pk, librarian=request.user
            )
        else:
            decision = services.reject_request(
                request_id=code_request.pk,
                librarian=request.user,
                reason=reject_form.cleaned_data["reason"],
            )
    except services.RequestRefused as refusal:
        messages.error(request, str(refusal))
        return False

    level = messages.SUCCESS if decision.changed else messages.WARNING
    messages.add_message(request, level, decision.message)
    return decision.changed


@role_required(roles.LIBRARY)
def code_list(request):
    library = request.user.library
    codes = (
        Code.objects.filter(library=library)
        .select_related("batch", "request")
        .only(
            "value",
            "status",
            "valid_until",
            "assigned_at",
            "batch__name",
            "request__id",
        )
        .order_by("status", "valid_until", "id")
    )
    filterset = LibraryCodeFilter(request.GET, queryset=codes)
    table = LibraryCodeTable(filterset.qs)
    paginate = {"per_page": 25}
    count = selectors.code_count(library, filterset)
    if count is not None:
        paginate.update(paginator_class=CountedPaginator, count=count)
    RequestConfig(request, paginate=paginate).configure(table)
    context = {
        "filter": filterset,
        "table": table,
        "figures": selectors.library_figures(library),
    }
    return render(request, "requests_app/code_list.html", context)


class CountedPaginator(Paginator):
    """A paginator told how many rows there are, instead of counting them."""

    def __init__(self, object_list, per_page, *args, count, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count = count

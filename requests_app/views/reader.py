from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from accounts import roles, security
from accounts.decorators import role_required
from requests_app import services
from requests_app.forms import RequestForm
from requests_app.models import CodeRequest
from requests_app.tables import ReaderRequestTable

TOO_MANY = gettext_lazy(
    "You have sent too many requests in the last hour. Please wait a while."
)


@role_required(roles.READER)
def request_list(request):
    requests = (
        CodeRequest.objects.filter(reader=request.user)
        .select_related("library")
        .only("status", "created_at", "decided_at", "library__name")
    )
    table = ReaderRequestTable(requests)
    RequestConfig(request, paginate={"per_page": 20}).configure(table)
    return render(request, "requests_app/request_list.html", {"table": table})


@role_required(roles.READER)
def request_new(request):
    form = RequestForm(request.POST or None, reader=request.user)
    if request.method == "POST" and security.over_limit(
        "request",
        [f"user:{request.user.pk}", f"ip:{security.client_address(request)}"],
        per_hour=settings.REQUESTS_PER_HOUR,
    ):
        form.add_error(None, TOO_MANY)
        return render(
            request, "requests_app/request_new.html", {"form": form}, status=429
        )
    if request.method == "POST" and form.is_valid():
        try:
            code_request = services.submit_request(
                reader=request.user,
                library=form.cleaned_data["library"],
                card_number=form.cleaned_data["card_number"],
            )
        except services.RequestRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("Your request is sent. You will get a mail when it is decided."),
            )
            return redirect(code_request)

    return render(request, "requests_app/request_new.html", {"form": form})


@role_required(roles.READER)
def request_detail(request, pk):
    code_request = get_object_or_404(
        CodeRequest.objects.select_related("library", "code"),
        pk=pk,
        reader=request.user,
    )
    context = {
        "code_request": code_request,
        "events": code_request.events.all(),
        "waitlist_position": services.waitlist_position(code_request),
        "activation_url": settings.CODE_ACTIVATION_URL,
    }
    return render(request, "requests_app/request_detail.html", context)


@require_POST
@role_required(roles.READER)
def request_cancel(request, pk):
    code_request = get_object_or_404(CodeRequest, pk=pk, reader=request.user)
    decision = services.cancel_request(request_id=code_request.pk, reader=request.user)
    if decision.changed:
        messages.success(request, decision.message)
    else:
        messages.warning(request, decision.message)
    return redirect(code_request)

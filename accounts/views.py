import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import security, services
from accounts.forms import ProfileForm, RegistrationForm

logger = logging.getLogger(__name__)

TOO_MANY = gettext_lazy(
    "Too many attempts from your connection. Please try again in an hour."
)


def home(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if user.is_librarian:
        return redirect("library:queue")
    if user.is_provider:
        return redirect("empik:dashboard")
    if user.is_reader:
        return redirect("requests:request-list")
    if user.is_superuser:
        return redirect("admin:index")
    return render(request, "accounts/no_role.html")


def register(request):
    if request.user.is_authenticated:
        return redirect("home")

    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and security.over_limit(
        "register",
        [security.client_address(request)],
        per_hour=settings.REGISTRATIONS_PER_HOUR,
    ):
        form.add_error(None, TOO_MANY)
        return render(request, "accounts/register.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        user = services.register_reader(
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
            home_library=form.cleaned_data["home_library"],
            card_number=form.cleaned_data["card_number"],
        )
        login(request, user, backend="accounts.backends.AccountBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("home")

    return render(request, "accounts/register.html", {"form": form})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")

    return render(request, "accounts/profile.html", {"form": form})


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database does not answer")
        return HttpResponse(
            "database unavailable\n", status=503, content_type="text/plain"
        )
    return HttpResponse("ok\n", content_type="text/plain")

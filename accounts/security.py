"""Abuse limits: login lockouts (django-axes) and submission rate limits."""

import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import cache
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone
from ipware import get_client_ip

from accounts.models import User

logger = logging.getLogger(__name__)

HOUR = 3600


def login_username(request, credentials):
    """The account a login is for, whatever case it was typed in."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return username.strip().lower()


@receiver(user_locked_out)
def log_lockout(sender, request, username, ip_address, **kwargs):
    user_id = (
        User.objects.filter(email__iexact=username).values_list("pk", flat=True).first()
    )
    logger.warning("Login lockout: account %s after repeated failures", user_id)


def lockout_response(request, original_response=None, credentials=None):
    """Tell a locked-out person what happened and until when."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        # The cool-off runs from the latest failure, which is this attempt.
        "cooloff_until": timezone.localtime() + settings.AXES_COOLOFF_TIME,
    }
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def client_address(request):
    address, _ = get_client_ip(
        request,
        proxy_count=settings.AXES_IPWARE_PROXY_COUNT,
        request_header_order=settings.AXES_IPWARE_META_PRECEDENCE_ORDER,
    )
    return address or "unknown"


def over_limit(scope, keys, *, per_hour):
    """Count one attempt under each key; True once any passed ``per_hour``.

    Fixed one-hour windows in the shared cache: ``add`` starts a window and
    ``incr`` is atomic in Redis and in the local-memory cache alike.
    """
    limited = False
    for key in keys:
        cache_key = f"rate:{scope}:{key}"
        cache.add(cache_key, 0, timeout=HOUR)
        try:
            count = cache.incr(cache_key)
        except ValueError:
            # The window closed between add and incr: this is its first hit.
            cache.set(cache_key, 1, timeout=HOUR)
            count = 1
        limited = limited or count > per_hour
    return limited

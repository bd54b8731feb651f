"""Mail to readers and libraries, sent only once the decision is committed.

A mail server that refuses never undoes a decision: the failure is logged
and kept on the request, where library staff see it.

A mail is written in the language of the person whose action sends it: the
librarian deciding, the provider whose new codes fulfil the waitlist. Outside
a request (a management command) that is ``settings.LANGUAGE_CODE``.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Library
from codes.models import CodeTally
from requests_app.models import CodeRequest

logger = logging.getLogger(__name__)


def request_decided(request):
    """Tell the reader, after commit, that their request moved."""
    transaction.on_commit(
        partial(send_decision_mail, request.pk, language=translation.get_language())
    )


def check_pool_after_hand_out(library, *, handed_out):
    """Warn the library, once, when the hand-out took its pool below the mark."""
    if not library.contact_email:
        return

    # The tallies already hold the hand-outs just made; summing them
    # spares every approval a count over the library's whole pool.
    remaining = CodeTally.objects.available(library).codes()
    if remaining < library.low_pool_threshold <= remaining + handed_out:
        transaction.on_commit(
            partial(
                send_low_pool_mail,
                library.pk,
                remaining,
                language=translation.get_language(),
            )
        )


def send_decision_mail(request_id, *, language):
    request = CodeRequest.objects.select_related("reader", "library").get(pk=request_id)
    context = {
        "request": request,
        "url": settings.SITE_URL + request.get_absolute_url(),
    }
    with translation.override(language):
        subject = render_to_string("requests_app/mail/decision_subject.txt", context)
        body = render_to_string("requests_app/mail/decision_body.txt", context)
    try:
        send_mail(
            " ".join(subject.split()),
            body,
            None,
            [request.reader.email],
        )
    except Exception:
        logger.exception("Request %s: decision mail failed", request.pk)
        CodeRequest.objects.filter(pk=request.pk).update(mail_failed_at=timezone.now())
        return False
    logger.info("Request %s: decision mail sent (%s)", request.pk, request.status)
    return True


def send_low_pool_mail(library_id, remaining, *, language):
    library = Library.objects.get(pk=library_id)
    context = {
        "library": library,
        "remaining": remaining,
        "url": settings.SITE_URL + "/library/codes/",
    }
    with translation.override(language):
        subject = render_to_string("requests_app/mail/low_pool_subject.txt", context)
        body = render_to_string("requests_app/mail/low_pool_body.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [library.contact_email])
    except Exception:
        logger.exception("Library %s: low pool mail failed", library.pk)
        return False
    logger.info("Library %s: low pool mail sent, %s codes left", library.pk, remaining)
    return True

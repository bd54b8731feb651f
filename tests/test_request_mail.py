import logging

import pytest
from django.core import mail

from codes.models import Code
from requests_app import services
from requests_app.models import CodeRequest, RequestStatus
from tests import factories


@pytest.fixture
def code_request(reader, library):
    return factories.CodeRequestFactory(reader=reader, library=library)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_approval_mails_a_link_and_never_the_code(code_request, librarian, on_commit):
    code = factories.CodeFactory(
        batch=factories.CodeBatchFactory(library=code_request.library)
    )

    with on_commit():
        services.approve_request(request_id=code_request.pk, librarian=librarian)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [code_request.reader.email]
    assert "is ready" in message.subject
    assert f"/requests/{code_request.pk}/" in message.body
    assert code.value not in message.body
    assert code.value not in message.subject


def test_rejection_mails_the_reason(code_request, librarian, on_commit):
    with on_commit():
        services.reject_request(
            request_id=code_request.pk,
            librarian=librarian,
            reason="Card expired in May.",
        )

    assert len(mail.outbox) == 1
    assert "not approved" in mail.outbox[0].subject
    assert "Card expired in May." in mail.outbox[0].body


def test_waitlisting_mails_the_reader(code_request, librarian, on_commit):
    with on_commit():
        services.approve_request(request_id=code_request.pk, librarian=librarian)

    assert len(mail.outbox) == 1
    assert "waitlist" in mail.outbox[0].subject


def test_no_mail_leaves_before_the_decision_commits(
    code_request, librarian, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approve_request(request_id=code_request.pk, librarian=librarian)

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_a_refusing_mail_server_never_loses_the_decision(
    code_request, librarian, on_commit, settings, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens: the connection is refused
    settings.EMAIL_TIMEOUT = 2

    with caplog.at_level(logging.ERROR, logger="requests_app"), on_commit():
        decision = services.reject_request(
            request_id=code_request.pk, librarian=librarian, reason="Card expired."
        )

    code_request.refresh_from_db()
    assert decision.changed
    assert code_request.status == RequestStatus.REJECTED
    assert code_request.mail_failed_at is not None
    assert f"Request {code_request.pk}: decision mail failed" in caplog.text
    assert code_request.reader.email not in caplog.text


def test_the_library_is_warned_once_when_its_pool_runs_low(
    library, librarian, on_commit
):
    library.low_pool_threshold = 2
    library.save()
    factories.CodeFactory.create_batch(
        3, batch=factories.CodeBatchFactory(library=library)
    )
    requests = [
        factories.CodeRequestFactory(
            reader=factories.ReaderFactory(home_library=library)
        )
        for _ in range(3)
    ]

    sent = []
    for code_request in requests:
        mail.outbox.clear()
        with on_commit():
            services.approve_request(request_id=code_request.pk, librarian=librarian)
        sent.append([m.subject for m in mail.outbox if m.to == [library.contact_email]])

    assert sent == [[], [f"{library}: only 1 code(s) left"], []]
    assert Code.objects.available().filter(library=library).count() == 0
    assert CodeRequest.objects.filter(status=RequestStatus.APPROVED).count() == 3

"""The provider's dashboard kept drawn in the cache, and drawn afresh on change."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from codes import figure_cache, services
from codes.models import Code, CodeStatus, CodeTally
from requests_app.models import RequestStatus
from requests_app.services import approve_request
from tests import factories

DASHBOARD = reverse("empik:dashboard")
TOTAL = re.compile(
    r'text-body-secondary">(?P<label>[^<]+)</span>'
    r'<span class="d-block h4 mb-0">(?P<count>[\d\xa0 ,]+)</span>'
)


@pytest.fixture(autouse=True)
def kept(settings):
    settings.FIGURE_CACHE_SECONDS = 300


@pytest.fixture
def batch(library):
    batch = factories.CodeBatchFactory(name="Central winter", library=library)
    for n in range(3):
        factories.CodeFactory(batch=batch, value=f"WINTER-{n}")
    return batch


def totals(response):
    """The totals above the tables, by label: {"Available": 3, ...}."""
    assert response.status_code == 200
    return {
        match["label"]: int(re.sub(r"\D", "", match["count"]))
        for match in TOTAL.finditer(response.text)
    }


def tally_queries(client, path=DASHBOARD, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, [q["sql"] for q in queries if CodeTally._meta.db_table in q["sql"]]


def test_a_second_view_is_served_without_reading_the_figures(provider_client, batch):
    first, first_reads = tally_queries(provider_client)
    second, second_reads = tally_queries(provider_client)

    assert first_reads
    assert second_reads == []
    assert totals(second) == totals(first)
    assert totals(second)["Available"] == 3


def test_a_code_handed_out_draws_the_figures_afresh(
    provider_client,
    batch,
    reader,
    librarian,
    library,
    django_capture_on_commit_callbacks,
):
    pending = factories.CodeRequestFactory(reader=reader, library=library)
    assert totals(provider_client.get(DASHBOARD))["Available"] == 3

    with django_capture_on_commit_callbacks(execute=True):
        approve_request(request_id=pending.pk, librarian=librarian)

    pending.refresh_from_db()
    assert pending.status == RequestStatus.APPROVED
    after = totals(provider_client.get(DASHBOARD))
    assert after["Available"] == 2
    assert after["Assigned"] == 1


def test_codes_voided_on_the_provider_page_draw_the_figures_afresh(
    provider_client, batch, django_capture_on_commit_callbacks
):
    assert totals(provider_client.get(DASHBOARD))["Void"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(
            reverse("empik:code-void"),
            {"pasted": "WINTER-0\nWINTER-1", "reason": "Printed twice"},
        )

    assert response.status_code == 200
    assert Code.objects.filter(status=CodeStatus.VOID).count() == 2
    after = totals(provider_client.get(DASHBOARD))
    assert (after["Available"], after["Void"]) == (1, 2)


def test_a_renamed_batch_draws_the_figures_afresh(
    provider_client, batch, django_capture_on_commit_callbacks
):
    assert "Central winter" in provider_client.get(DASHBOARD).text

    with django_capture_on_commit_callbacks(execute=True):
        batch.name = "Central winter, reprinted"
        batch.save()

    assert "Central winter, reprinted" in provider_client.get(DASHBOARD).text


def test_a_change_not_yet_committed_keeps_the_drawing(
    provider, provider_client, batch, django_capture_on_commit_callbacks
):
    provider_client.get(DASHBOARD)

    with django_capture_on_commit_callbacks(execute=False) as waiting:
        services.void_codes(["WINTER-0"], by=provider, reason="Printed twice")

    assert waiting
    assert totals(provider_client.get(DASHBOARD))["Void"] == 0


def test_each_filter_and_language_has_its_own_drawing(
    provider_client, batch, other_library
):
    factories.CodeFactory(
        batch=factories.CodeBatchFactory(library=other_library), value="RIVER-0"
    )

    everything = totals(provider_client.get(DASHBOARD))
    riverside = totals(provider_client.get(DASHBOARD, {"library": other_library.pk}))
    polish = provider_client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="pl")

    assert everything["Available"] == 4
    assert riverside["Available"] == 1
    assert "Dostępne" in totals(polish)
    assert totals(provider_client.get(DASHBOARD))["Available"] == 4


def test_a_lost_generation_never_brings_back_an_old_drawing(
    provider_client, batch, django_capture_on_commit_callbacks
):
    provider_client.get(DASHBOARD)
    # A change the tallies miss until they are counted again, whose new
    # generation never reaches the cache.
    with django_capture_on_commit_callbacks(execute=False):
        Code.objects.filter(value="WINTER-0").update(status=CodeStatus.VOID)
        CodeTally.objects.rebuild()
    assert totals(provider_client.get(DASHBOARD))["Void"] == 0

    cache.delete(figure_cache.GENERATION_KEY)

    assert totals(provider_client.get(DASHBOARD))["Void"] == 1


def test_a_cache_that_cannot_be_reached_does_not_undo_a_decision(
    batch, reader, librarian, library, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable():
        raise ConnectionError("the cache does not answer")

    monkeypatch.setattr(figure_cache, "_new_generation", unreachable)
    pending = factories.CodeRequestFactory(reader=reader, library=library)

    with django_capture_on_commit_callbacks(execute=True):
        approve_request(request_id=pending.pk, librarian=librarian)

    pending.refresh_from_db()
    assert pending.status == RequestStatus.APPROVED
    assert pending.code.status == CodeStatus.ASSIGNED


def test_without_a_shared_cache_every_view_reads_the_figures(
    provider_client, batch, settings
):
    settings.FIGURE_CACHE_SECONDS = 0

    tally_queries(provider_client)
    _, reads = tally_queries(provider_client)

    assert reads
    assert cache.get(figure_cache.GENERATION_KEY) is None

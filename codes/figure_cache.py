"""The provider's dashboard, drawn once for as long as its figures stand.

A drawn dashboard is kept in the cache under the figures' generation, a
random token. Every change of the code tallies, and every library or batch
saved or deleted, gives the figures a new token once its transaction
commits, so the first view after a change draws the page afresh; the old
drawings are never read again and expire. A token, not a counter: should
the cache lose it, the next one is new too, never an old one come back.

Kept only when ``FIGURE_CACHE_SECONDS`` is set, which it is by default with
a shared cache: a cache of one process would not hear of the changes made
in the others.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import translation
from django.utils.http import urlencode

GENERATION_KEY = "codes:figures:generation"


def figures_changed(using=DEFAULT_DB_ALIAS):
    """Draw the dashboard afresh once the current transaction commits."""
    if settings.FIGURE_CACHE_SECONDS:
        # Robust: a cache that cannot be reached must not undo the change;
        # the drawings then last at most FIGURE_CACHE_SECONDS.
        transaction.on_commit(_new_generation, using=using, robust=True)


def drawn(request, today, draw):
    """The dashboard's HTML for ``request``: kept, or ``draw()`` and keep it."""
    seconds = settings.FIGURE_CACHE_SECONDS
    if not seconds:
        return draw()
    key = _key(request, today)
    html = cache.get(key)
    if html is None:
        html = draw()
        cache.set(key, html, seconds)
    return html


def _key(request, today):
    # The generation is read before the figures, so a drawing made while a
    # change commits is kept under the generation the change replaces.
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    digest = hashlib.md5(query.encode(), usedforsecurity=False).hexdigest()
    language = translation.get_language()
    return f"codes:dashboard:{_generation()}:{today.isoformat()}:{language}:{digest}"


def _generation():
    token = cache.get(GENERATION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, token, timeout=None):
            # Another worker set it first; should it be gone already, this
            # token of our own matches no drawing and so draws afresh.
            token = cache.get(GENERATION_KEY) or token
    return token


def _new_generation():
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)

"""A large city's libraries, readers, codes and requests, planned in memory.

``World`` decides every row from a seed before anything is written, so that
the rows can go to the database in bulk with their ids already given. The
plan keeps the rules the product keeps: codes that expire first go out
first and never after their last valid day; a code goes to one request;
a reader has at most one open request per library and at most one approved
request per library a month; a request waits on the waitlist while its
library has no code and gets the next one loaded; every step of a request
is an event.
"""

import datetime
import random

from django.utils import timezone

from codes.filters import start_of_day
from codes.selectors import last_months
from requests_app.management.world.codes import CodesMixin
from requests_app.management.world.people import PeopleMixin
from requests_app.management.world.plan import (
    MAX_REQUESTS_PER_READER,
    MONTHS,
    Sizes,
)
from requests_app.management.world.requests import RequestsMixin

__all__ = ["MAX_REQUESTS_PER_READER", "Sizes", "World"]


class World(PeopleMixin, RequestsMixin, CodesMixin):
    """Every row of the world, planned from a seed, ids from ``first_ids``.

    ``first_ids`` names the first free id of each table by model name:
    ``library``, ``user``, ``user_groups``, ``codebatch``, ``code``,
    ``coderequest`` and ``requestevent``.
    """

    def __init__(self, sizes, *, first_ids, groups, password, now=None, seed=1):
        self.sizes = sizes
        self.first_ids = first_ids
        self.groups = groups
        self.password = password
        self.now = now or timezone.now()
        self.zone = timezone.get_current_timezone()
        self.today = self.now.astimezone(self.zone).date()
        self.random = random.Random(seed)
        # Local midnights of the first days of the months up to now.
        self.months = [start_of_day(month) for month in last_months(self.today, MONTHS)]

        self.libraries = self._plan_libraries()
        self.readers = self._plan_readers()
        self.librarians, self.provider = self._plan_staff()
        self.requests = self._plan_requests()
        self.batches = self._plan_batches()
        for library in self.libraries:
            self._hand_out(library)

    def _moment(self, month, within_days=None):
        """A random moment of the ``month``-th month, the first being 0."""
        start = self.months[month]
        end = self.months[month + 1] if month + 1 < len(self.months) else self.now
        if within_days is not None:
            end = min(end, start + datetime.timedelta(days=within_days))
        return start + (min(end, self.now) - start) * self.random.random()

    # Rows, in the order of each model's fields as ``World.FIELDS`` lists them

    FIELDS = {
        "library": [
            "id",
            "name",
            "slug",
            "monthly_limit",
            "contact_email",
            "low_pool_threshold",
        ],
        "user": [
            "id",
            "password",
            "is_superuser",
            "email",
            "full_name",
            "card_number",
            "home_library_id",
            "library_id",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        "user_groups": ["id", "user_id", "group_id"],
        "codebatch": [
            "id",
            "name",
            "library_id",
            "valid_until",
            "loaded_by_id",
            "loaded_at",
            "source_name",
            "size",
        ],
        "code": [
            "id",
            "value",
            "batch_id",
            "library_id",
            "status",
            "valid_until",
            "created_at",
            "assigned_at",
            "redeemed_at",
            "expired_at",
            "voided_at",
        ],
        "coderequest": [
            "id",
            "reader_id",
            "library_id",
            "card_number",
            "status",
            "created_at",
            "decided_at",
            "decided_by_id",
            "rejection_reason",
            "code_id",
            "fulfilled_at",
            "cancelled_at",
        ],
        "requestevent": ["id", "request_id", "status", "at", "by_id", "note"],
    }

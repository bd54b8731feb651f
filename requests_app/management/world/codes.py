"""A world's batches of codes and how the codes go out to approved requests."""

import datetime
import heapq
from collections import deque

from django.utils import timezone

from codes.filters import start_of_day
from codes.models import CodeStatus
from requests_app.management.world.plan import (
    MONTHS,
    REDEEMED_SHARE,
    SHORT_SUPPLY,
    SHORT_SUPPLY_PAUSE_MONTHS,
    VALIDITY_DAYS,
    VOID_SHARE,
    Batch,
)
from requests_app.models import RequestStatus


class CodesMixin:
    """The batches and codes of a ``World``, handed out first to expire first."""

    # Planning

    def _plan_batches(self):
        """Monthly deliveries of codes, split by each library's size.

        A library short of codes gets fewer than its readers are approved
        for, and none in the last months.
        """
        supply = {}
        left = self.sizes.codes
        for library in self.libraries:
            if library.short_supply:
                codes = min(int(len(library.approvals) * SHORT_SUPPLY), left)
                supply[library.index] = codes
                left -= codes
        others = [library for library in self.libraries if not library.short_supply]
        weights = [self.weights[library.index] for library in others]
        for library, codes in zip(others, _split(left, weights), strict=True):
            supply[library.index] = codes

        batch_id = self.first_ids["codebatch"]
        code_id = self.first_ids["code"]
        batches = []
        for library in self.libraries:
            codes = supply[library.index]
            months = MONTHS - (SHORT_SUPPLY_PAUSE_MONTHS if library.short_supply else 0)
            months = max(1, min(months, codes))
            # The first delivery stocks the pool; later ones top it up.
            shares = [2.0] + [self.random.uniform(0.6, 1.4) for _ in range(months - 1)]
            for month, size in enumerate(_split(codes, shares)):
                if not size:
                    continue
                loaded_at = self._moment(month, within_days=10)
                batch = Batch(
                    id=batch_id,
                    library=library,
                    name=f"EmpikGo {loaded_at:%Y-%m} {library.slug}",
                    loaded_at=loaded_at,
                    valid_until=timezone.localdate(loaded_at)
                    + datetime.timedelta(days=self.random.choice(VALIDITY_DAYS)),
                    first_code=code_id,
                    size=size,
                )
                library.batches.append(batch)
                batches.append(batch)
                batch_id += 1
                code_id += size
        return batches

    def _hand_out(self, library):
        """Give the library's approved requests codes in time order, FEFO."""
        batches = sorted(library.batches, key=lambda batch: batch.loaded_at)
        approvals = sorted(library.approvals, key=lambda request: request.decided_at)
        pool = []
        waitlist = deque()
        loaded = 0

        def take(at):
            day = at.astimezone(self.zone).date()
            while pool:
                valid_until, _, batch = pool[0]
                if valid_until >= day and not batch.empty:
                    return batch.take(at)
                heapq.heappop(pool)
            return None

        def load_until(moment):
            nonlocal loaded
            while loaded < len(batches) and batches[loaded].loaded_at <= moment:
                batch = batches[loaded]
                loaded += 1
                heapq.heappush(pool, (batch.valid_until, batch.id, batch))
                # New codes go to the waitlist first, oldest request first.
                while waitlist:
                    request = waitlist[0]
                    if request.deadline <= batch.loaded_at:
                        self._cancel_waiting(waitlist.popleft())
                        continue
                    code = take(batch.loaded_at)
                    if code is None:
                        break
                    self._fulfil(waitlist.popleft(), code, batch.loaded_at)

        for request in approvals:
            load_until(request.decided_at)
            code = None if waitlist else take(request.decided_at)
            if code is None:
                request.waitlisted = True
                waitlist.append(request)
            else:
                self._fulfil(request, code, request.decided_at)
        load_until(self.now)
        for request in waitlist:
            if request.latest:
                request.status = RequestStatus.WAITLISTED
            else:
                self._cancel_waiting(request)

    def _fulfil(self, request, code, at):
        request.status = RequestStatus.APPROVED
        request.code = code
        request.fulfilled_at = at

    def _cancel_waiting(self, request):
        """The reader gave up waiting before making their next request."""
        request.status = RequestStatus.CANCELLED
        span = request.deadline - request.decided_at
        request.cancelled_at = request.decided_at + span * self.random.uniform(0.2, 0.9)

    # Rows

    def batch_rows(self):
        for batch in self.batches:
            yield (
                batch.id,
                batch.name,
                batch.library.id,
                batch.valid_until,
                self.provider,
                batch.loaded_at,
                f"{batch.name.lower().replace(' ', '-')}.csv",
                batch.size,
            )

    def code_rows(self):
        yesterday = self.today - datetime.timedelta(days=1)
        for batch in self.batches:
            # The nightly expire_codes run marks a code the morning after its
            # last valid day; yesterday's codes wait for tonight's run.
            expired_at = None
            if batch.valid_until < yesterday:
                expired_at = start_of_day(
                    batch.valid_until + datetime.timedelta(days=1)
                ) + datetime.timedelta(minutes=10)
            handed_out = batch.handed_out
            head = (batch.id, batch.library.id)
            for offset in range(batch.size):
                code_id = batch.first_code + offset
                status, assigned_at, redeemed_at, voided_at = (
                    CodeStatus.AVAILABLE,
                    None,
                    None,
                    None,
                )
                if offset < len(handed_out):
                    assigned_at = handed_out[offset]
                    status, redeemed_at = self._redeemed(assigned_at)
                elif expired_at is not None:
                    status = CodeStatus.EXPIRED
                elif self.random.random() < VOID_SHARE:
                    status = CodeStatus.VOID
                    voided_at = (
                        batch.loaded_at
                        + (self.now - batch.loaded_at) * self.random.random()
                    )
                yield (
                    code_id,
                    _code_value(code_id),
                    *head,
                    status,
                    batch.valid_until,
                    batch.loaded_at,
                    assigned_at,
                    redeemed_at,
                    expired_at if status == CodeStatus.EXPIRED else None,
                    voided_at,
                )

    def _redeemed(self, assigned_at):
        since = self.now - assigned_at
        if since > datetime.timedelta(hours=2) and self.random.random() < (
            REDEEMED_SHARE
        ):
            delay = min(since, datetime.timedelta(days=20)) * self.random.random()
            return CodeStatus.REDEEMED, assigned_at + delay
        return CodeStatus.ASSIGNED, None


def _split(total, weights):
    """``total`` split in proportion to ``weights``, summing exactly."""
    scale = sum(weights)
    if not scale:
        return [0] * len(weights)
    exact = [total * weight / scale for weight in weights]
    parts = [int(share) for share in exact]
    by_remainder = sorted(
        range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True
    )
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


def _code_value(code_id):
    """A code that looks random, unique for each id below 2**40."""
    return f"EGO-{(code_id * 0x9E3779B97F) % 2**40:010X}"

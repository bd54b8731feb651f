"""A world's requests, what became of each, and the events of their steps."""

import datetime

from requests_app.management.world.people import _card_number
from requests_app.management.world.plan import (
    AWAY_SHARE,
    DECISION_HOURS,
    MAX_REQUESTS_PER_READER,
    MONTHS,
    OUTCOME_ODDS,
    OUTCOMES,
    REJECTION_REASONS,
    UNDECIDED_DAYS,
    Request,
)
from requests_app.models import RequestStatus


class RequestsMixin:
    """The requests of a ``World`` and their events."""

    # Planning

    def _plan_requests(self):
        """Requests per reader, one calendar month apart at each library."""
        readers = self.sizes.readers
        per_reader = [0] * readers
        if readers:
            for reader in self.random.choices(range(readers), k=self.sizes.requests):
                per_reader[reader] += 1
            _even_out(per_reader, MAX_REQUESTS_PER_READER, self.random)

        first_reader = self.first_ids["user"]
        request_id = self.first_ids["coderequest"]
        requests = []
        for number, count in enumerate(per_reader):
            if not count:
                continue
            home = self.readers[number]
            groups = {}
            for _ in range(count):
                library = home
                if self.random.random() < AWAY_SHARE:
                    library = self.random.choices(self.libraries, self.weights)[0]
                groups.setdefault(library.index, []).append(library)
            for libraries in groups.values():
                library = libraries[0]
                months = sorted(self.random.sample(range(MONTHS), len(libraries)))
                times = [self._moment(month) for month in months]
                deadlines = times[1:] + [self.now]
                for created_at, deadline in zip(times, deadlines, strict=True):
                    request = Request(
                        id=request_id,
                        reader=first_reader + number,
                        library=library,
                        card_number=self._card_given(number, home),
                        created_at=created_at,
                        deadline=deadline,
                        latest=created_at == times[-1],
                    )
                    self._decide(request)
                    requests.append(request)
                    request_id += 1
        return requests

    def _decide(self, request):
        """Pick what became of a request; approvals wait for the hand-out."""
        latest = request.latest
        age = self.now - request.created_at
        if latest and age < datetime.timedelta(days=UNDECIDED_DAYS):
            undecided = 0.9 if age < datetime.timedelta(days=2) else 0.5
            if self.random.random() < undecided:
                return

        delay = datetime.timedelta(
            hours=self.random.expovariate(1 / DECISION_HOURS) + 0.05
        )
        decided_at = request.created_at + delay
        if decided_at >= request.deadline:
            if latest:
                return
            span = request.deadline - request.created_at
            decided_at = request.created_at + span / 2

        outcome = self.random.choices(OUTCOMES, cum_weights=OUTCOME_ODDS)[0]
        if outcome == RequestStatus.CANCELLED:
            request.status = outcome
            request.cancelled_at = decided_at
            return
        request.decided_at = decided_at
        request.decided_by = self.random.choice(request.library.librarians)
        if outcome == RequestStatus.REJECTED:
            request.status = outcome
            request.rejection_reason = self.random.choice(REJECTION_REASONS)
        else:
            request.library.approvals.append(request)

    def _card_given(self, number, home):
        """The card number given with a request; now and then mistyped."""
        card = _card_number(number, home)
        if self.random.random() < 0.03:
            return card[:-1] + str((int(card[-1]) + 1) % 10)
        return card

    # Rows

    def request_rows(self):
        for request in self.requests:
            yield (
                request.id,
                request.reader,
                request.library.id,
                request.card_number,
                request.status,
                request.created_at,
                request.decided_at,
                request.decided_by,
                request.rejection_reason,
                request.code,
                request.fulfilled_at,
                request.cancelled_at,
            )

    def event_rows(self):
        """Every step of every request, as ``CodeRequest.move_to`` keeps it."""
        event_id = self.first_ids["requestevent"]
        for request in self.requests:
            steps = [(RequestStatus.PENDING, request.created_at, request.reader, "")]
            if request.waitlisted:
                steps.append(
                    (
                        RequestStatus.WAITLISTED,
                        request.decided_at,
                        request.decided_by,
                        "",
                    )
                )
            if request.status == RequestStatus.APPROVED:
                # A code from the waitlist is handed over by no one.
                by = None if request.waitlisted else request.decided_by
                steps.append((request.status, request.fulfilled_at, by, ""))
            elif request.status == RequestStatus.REJECTED:
                steps.append(
                    (
                        request.status,
                        request.decided_at,
                        request.decided_by,
                        request.rejection_reason,
                    )
                )
            elif request.status == RequestStatus.CANCELLED:
                steps.append((request.status, request.cancelled_at, request.reader, ""))
            for status, at, by, note in steps:
                yield (event_id, request.id, status, at, by, note)
                event_id += 1


def _even_out(counts, cap, rng):
    """Move counts above ``cap`` to random places below it."""
    excess = 0
    for index, count in enumerate(counts):
        if count > cap:
            excess += count - cap
            counts[index] = cap
    while excess:
        index = rng.randrange(len(counts))
        if counts[index] < cap:
            counts[index] += 1
            excess -= 1

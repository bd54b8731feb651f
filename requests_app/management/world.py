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
import heapq
import itertools
import random
from collections import deque
from dataclasses import dataclass, field

from django.utils import timezone

from codes.models import CodeStatus
from requests_app.models import RequestStatus

MONTHS = 24
LIBRARIANS_PER_LIBRARY = 3
MAX_REQUESTS_PER_READER = 12
# Requests a reader sends to a library other than their home library.
AWAY_SHARE = 0.1
# What became of a request that was not a reader's latest at a library.
OUTCOMES = [RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.CANCELLED]
OUTCOME_ODDS = list(itertools.accumulate([75, 15, 10]))
# A reader's latest request younger than this may still wait for a decision.
UNDECIDED_DAYS = 10
DECISION_HOURS = 18
VALIDITY_DAYS = [180, 365, 365, 365, 540]
# Libraries at the end of the list get codes for this share of the requests
# they approve, and no delivery in the last months: their waitlists fill.
SHORT_SUPPLY = 0.6
SHORT_SUPPLY_PAUSE_MONTHS = 3
REDEEMED_SHARE = 0.7
VOID_SHARE = 0.004

FIRST_NAMES = [
    "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara",
    "Ewa", "Krystyna", "Elżbieta", "Zofia", "Joanna", "Magdalena", "Monika",
    "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Jan", "Michał",
    "Marcin", "Jakub", "Adam", "Łukasz", "Mateusz", "Wojciech", "Kamil",
]  # fmt: skip
LAST_NAMES = [
    "Nowak", "Kowalczyk", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski",
    "Zieliński", "Szymańska", "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski",
    "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowska", "Grabowski", "Pawlak",
    "Michalska", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowska",
]  # fmt: skip
REJECTION_REASONS = [
    "The card number does not match our records.",
    "The card has expired; renew it at the desk first.",
    "The card belongs to another library.",
    "Fees are due on the card; settle them at the desk first.",
    "The card is blocked; please come to the desk with an ID.",
]


@dataclass(frozen=True)
class Sizes:
    libraries: int
    readers: int
    codes: int
    requests: int


@dataclass(slots=True)
class Library:
    id: int
    index: int
    name: str
    slug: str
    short_supply: bool
    librarians: list = field(default_factory=list)
    batches: list = field(default_factory=list)
    approvals: list = field(default_factory=list)


@dataclass(slots=True)
class Batch:
    id: int
    library: Library
    name: str
    loaded_at: datetime.datetime
    valid_until: datetime.date
    first_code: int
    size: int
    # When each of the batch's first codes went to a reader, in id order.
    handed_out: list = field(default_factory=list)

    def take(self, at):
        self.handed_out.append(at)
        return self.first_code + len(self.handed_out) - 1

    @property
    def empty(self):
        return len(self.handed_out) >= self.size


@dataclass(slots=True)
class Request:
    id: int
    reader: int
    library: Library
    card_number: str
    created_at: datetime.datetime
    # The reader's next request at this library is made then (or now):
    # until then this one may stay open.
    deadline: datetime.datetime
    latest: bool
    status: str = RequestStatus.PENDING
    decided_at: datetime.datetime | None = None
    decided_by: int | None = None
    rejection_reason: str = ""
    code: int | None = None
    fulfilled_at: datetime.datetime | None = None
    cancelled_at: datetime.datetime | None = None
    waitlisted: bool = False


class World:
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
        self.months = _month_starts(self.now, MONTHS)

        self.libraries = self._plan_libraries()
        self.readers = self._plan_readers()
        self.librarians, self.provider = self._plan_staff()
        self.requests = self._plan_requests()
        self.batches = self._plan_batches()
        for library in self.libraries:
            self._hand_out(library)

    # Planning

    def _plan_libraries(self):
        first = self.first_ids["library"]
        count = self.sizes.libraries
        short = max(1, count // 10) if count > 1 else 0
        libraries = []
        for index in range(count):
            if index == 0:
                name, slug = "City Library, Central", "city-central"
            else:
                name, slug = f"City Library, Branch {index}", f"city-branch-{index}"
            libraries.append(
                Library(first + index, index, name, slug, index >= count - short)
            )
        self.weights = [1 / (index + 1) ** 0.7 for index in range(count)]
        return libraries

    def _plan_readers(self):
        """Each reader's home library, weighted towards the central one."""
        return self.random.choices(
            self.libraries, weights=self.weights, k=self.sizes.readers
        )

    def _plan_staff(self):
        next_id = self.first_ids["user"] + self.sizes.readers
        librarians = []
        for library in self.libraries:
            for number in range(1, LIBRARIANS_PER_LIBRARY + 1):
                library.librarians.append(next_id)
                librarians.append((next_id, library, number))
                next_id += 1
        return librarians, next_id

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

    def _moment(self, month, within_days=None):
        """A random moment of the ``month``-th month, the first being 0."""
        start = self.months[month]
        end = self.months[month + 1] if month + 1 < len(self.months) else self.now
        if within_days is not None:
            end = min(end, start + datetime.timedelta(days=within_days))
        return start + (min(end, self.now) - start) * self.random.random()

    def _card_given(self, number, home):
        """The card number given with a request; now and then mistyped."""
        card = _card_number(number, home)
        if self.random.random() < 0.03:
            return card[:-1] + str((int(card[-1]) + 1) % 10)
        return card

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

    def library_rows(self):
        for library in self.libraries:
            yield (
                library.id,
                library.name,
                library.slug,
                1,
                f"{library.slug}@large.test",
                max(5, self.sizes.codes // self.sizes.libraries // 200),
            )

    def user_rows(self):
        first_request = {}
        for request in self.requests:
            known = first_request.get(request.reader, request.created_at)
            first_request[request.reader] = min(known, request.created_at)
        start = self.months[0]
        first_id = self.first_ids["user"]
        for number, home in enumerate(self.readers):
            user_id = first_id + number
            joined = first_request.get(user_id, self.now) - datetime.timedelta(
                days=self.random.uniform(1, 120)
            )
            name = f"{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"
            yield (
                user_id,
                self.password,
                False,
                f"reader{number}@large.test",
                name,
                _card_number(number, home),
                home.id,
                None,
                False,
                True,
                max(joined, start - datetime.timedelta(days=365)),
            )
        for user_id, library, number in self.librarians:
            yield (
                user_id,
                self.password,
                False,
                f"librarian{number}.{library.slug}@large.test",
                f"Librarian {number} of {library.name}",
                "",
                None,
                library.id,
                False,
                True,
                start,
            )
        yield (
            self.provider,
            self.password,
            False,
            "provider@large.test",
            "Provider Staff",
            "",
            None,
            None,
            True,
            True,
            start,
        )

    def user_group_rows(self):
        first = self.first_ids["user_groups"]
        first_reader = self.first_ids["user"]
        for number in range(len(self.readers)):
            yield (first + number, first_reader + number, self.groups["reader"])
        first += len(self.readers)
        for offset, (user_id, _, _) in enumerate(self.librarians):
            yield (first + offset, user_id, self.groups["library"])
        yield (first + len(self.librarians), self.provider, self.groups["empik"])

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
                expired_at = _local_midnight(
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


def _month_starts(now, count):
    """Local midnights of the first days of the ``count`` months up to now."""
    day = timezone.localdate(now).replace(day=1)
    days = [day]
    while len(days) < count:
        days.append((days[-1] - datetime.timedelta(days=1)).replace(day=1))
    return [_local_midnight(day) for day in reversed(days)]


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


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


def _card_number(number, home):
    return f"C{home.index:02d}-{number:07d}"


def _code_value(code_id):
    """A code that looks random, unique for each id below 2**40."""
    return f"EGO-{(code_id * 0x9E3779B97F) % 2**40:010X}"

"""The sizes, odds and names a world is planned from, and what it plans."""

import datetime
import itertools
from dataclasses import dataclass, field

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

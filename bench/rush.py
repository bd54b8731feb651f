"""The opening-hour rush: readers ask at once while librarians approve.

Makes a scratch PostgreSQL database, seeds one library with thousands of
signed-in readers and fewer codes than readers, starts gunicorn with
several workers on loopback, and then, at the same time:

- reader clients each open the request form and send it, once per reader;
- librarian clients each read the queue's pending requests and approve one
  of the oldest few (so that they often race for the same request).

Bounded by the number of readers and by --seconds. Prints requests served,
errors, latency percentiles per kind, and from the database the number of
codes handed out twice, which must be 0. Run it with ``make bench``.
"""

import argparse
import http.client
import random
import re
import statistics
import threading
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from scratch import (
    free_port,
    scratch_database,
    session_keys,
    setup_django,
    start_gunicorn,
    stop_gunicorn,
)

PENDING_LINK = re.compile(r'href="/library/requests/(\d+)/"')


class Client:
    """One browser: a session cookie, a CSRF cookie, timed requests."""

    def __init__(self, port, session_key, stats):
        self.port = port
        self.cookies = {"sessionid": session_key}
        self.stats = stats

    def request(self, kind, method, path, form=None):
        body = urlencode(form) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            status = response.status
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
        except OSError as error:
            status, text = f"{type(error).__name__}", ""
        finally:
            connection.close()
        self.stats.record(kind, status, time.perf_counter() - started)
        return status, text

    def post_form(self, kind, path, form):
        form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.request(kind, "POST", path, form)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))

    def record(self, kind, status, seconds):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1

    def report(self, elapsed):
        total = sum(len(v) for v in self.latencies.values())
        print(f"\n{total} requests served in {elapsed:.1f} s ({total / elapsed:.0f}/s)")
        print(
            f"{'kind':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses"
        )
        for kind, values in sorted(self.latencies.items()):
            cuts = (
                statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
            )
            statuses = ", ".join(
                f"{status}: {count}"
                for status, count in sorted(self.statuses[kind].items(), key=str)
            )
            print(
                f"{kind:<16}{len(values):>7}{cuts[49] * 1000:>9.0f}"
                f"{cuts[94] * 1000:>9.0f}{cuts[98] * 1000:>9.0f}  {statuses}"
            )

    def server_errors(self):
        return sum(
            count
            for statuses in self.statuses.values()
            for status, count in statuses.items()
            if not isinstance(status, int) or status >= 500
        )


def seed(readers, codes, librarians):
    """The rush's world, made with bulk inserts; returns session keys."""
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import Library, User
    from codes.models import Code, CodeBatch, CodeTally

    library = Library.objects.create(
        name="Rush Library", slug="rush", low_pool_threshold=0
    )
    password = make_password("rush-password")
    people = User.objects.bulk_create(
        [
            User(
                email=f"reader{n}@rush.test",
                full_name=f"Reader {n}",
                home_library=library,
                card_number=f"RUSH-{n:06d}",
                password=password,
            )
            for n in range(readers)
        ]
        + [
            User(
                email=f"librarian{n}@rush.test",
                full_name=f"Librarian {n}",
                library=library,
                password=password,
            )
            for n in range(librarians)
        ]
    )
    readers_group = Group.objects.get(name="reader")
    library_group = Group.objects.get(name="library")
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(
                user_id=user.pk,
                group_id=(readers_group if n < readers else library_group).pk,
            )
            for n, user in enumerate(people)
        ]
    )
    batch = CodeBatch.objects.create(
        name="Rush batch",
        library=library,
        valid_until=timezone.localdate() + datetime.timedelta(days=60),
    )
    Code.objects.bulk_create(
        [
            Code(
                value=f"RUSH-{n:08d}",
                batch=batch,
                library=library,
                valid_until=batch.valid_until,
            )
            for n in range(codes)
        ]
    )
    # bulk_create bypasses the dashboard's tallies; count the batch in.
    CodeTally.objects.count_new(Code.objects.filter(batch=batch).tally())

    keys = session_keys(people)
    return library, keys[:readers], keys[readers:]


def rush(port, library, reader_keys, librarian_keys, clients, deadline):
    stats = Stats()
    queue = list(reader_keys)
    queue_lock = threading.Lock()
    readers_done = threading.Event()

    def reader_client():
        while time.monotonic() < deadline:
            with queue_lock:
                if not queue:
                    return
                key = queue.pop()
            client = Client(port, key, stats)
            status, text = client.request("request form", "GET", "/requests/new/")
            match = re.search(r'name="card_number" value="([^"]*)"', text)
            client.post_form(
                "request submit",
                "/requests/new/",
                {
                    "library": library.pk,
                    "card_number": match.group(1) if match else "RUSH",
                },
            )

    def librarian_client(key):
        client = Client(port, key, stats)
        idle_rounds = 0
        while time.monotonic() < deadline:
            _, text = client.request("queue", "GET", "/library/?status=pending")
            pending = PENDING_LINK.findall(text)
            if not pending:
                idle_rounds += 1
                if readers_done.is_set() and idle_rounds > 2:
                    return
                time.sleep(0.2)
                continue
            idle_rounds = 0
            chosen = random.choice(pending[:3])
            client.post_form(
                "approve", f"/library/requests/{chosen}/", {"action": "approve"}
            )

    readers = [threading.Thread(target=reader_client) for _ in range(clients)]
    librarians = [
        threading.Thread(target=librarian_client, args=(key,)) for key in librarian_keys
    ]
    started = time.monotonic()
    for thread in readers + librarians:
        thread.start()
    for thread in readers:
        thread.join()
    readers_done.set()
    for thread in librarians:
        thread.join()
    return stats, time.monotonic() - started


def audit(library):
    from django.db.models import Count

    from codes.models import Code, CodeStatus
    from requests_app.models import CodeRequest, RequestStatus

    requests = CodeRequest.objects.filter(library=library)
    approved = requests.filter(status=RequestStatus.APPROVED)
    twice = approved.values("code_id").annotate(n=Count("id")).filter(n__gt=1).count()
    assigned = Code.objects.filter(library=library, status=CodeStatus.ASSIGNED).count()
    return {
        "requests": requests.count(),
        "approved": approved.count(),
        "distinct codes handed out": approved.values("code_id").distinct().count(),
        "codes marked assigned": assigned,
        "waitlisted": requests.filter(status=RequestStatus.WAITLISTED).count(),
        "pending": requests.filter(status=RequestStatus.PENDING).count(),
        "codes handed out twice": twice,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--codes", type=int, default=150)
    parser.add_argument(
        "--clients", type=int, default=24, help="concurrent reader clients"
    )
    parser.add_argument("--librarians", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--seconds", type=int, default=300, help="upper bound on the rush"
    )
    args = parser.parse_args()

    with scratch_database("codeshare_rush") as url:
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        library, reader_keys, librarian_keys = seed(
            args.readers, args.codes, args.librarians
        )
        port = free_port()
        # Every client comes from 127.0.0.1: the per-address limits would
        # treat the whole rush as one person.
        server = start_gunicorn(url, port, args.workers, REQUESTS_PER_HOUR="1000000")
        try:
            print(
                f"Rush: {args.readers} readers, {args.codes} codes, "
                f"{args.clients} reader clients, {args.librarians} librarians, "
                f"gunicorn with {args.workers} workers on 127.0.0.1:{port}"
            )
            stats, elapsed = rush(
                port,
                library,
                reader_keys,
                librarian_keys,
                args.clients,
                time.monotonic() + args.seconds,
            )
        finally:
            stop_gunicorn(server)
            from django.db import connections

            connections.close_all()
        stats.report(elapsed)
        figures = audit(library)
        for name, value in figures.items():
            print(f"{name:<28}{value:>8}")
        errors = stats.server_errors()
        print(f"{'server errors (5xx)':<28}{errors:>8}")
        connections.close_all()

    if figures["codes handed out twice"] or errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

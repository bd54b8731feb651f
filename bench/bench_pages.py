"""How fast the pages answer over a large city's data, beside a trivial view.

Makes a scratch PostgreSQL database, fills it with ``seed_large`` (30
libraries, 200,000 readers, 1,000,000 codes and 500,000 requests unless
told otherwise), starts gunicorn on loopback and loads each page in turn
with wrk (Debian package ``wrk``): the librarian's queue, review page and
codes of the largest library, the request list and a request page of its
busiest reader, and the provider's dashboard, both as kept drawn in the
shared cache and drawn afresh on every view. Beside them, served by the
same gunicorn in the same run:

- ``/healthz``, the trivial reference, measured first and again before
  the admin: one ``SELECT 1`` through the whole middleware stack, with no
  session and no template;
- the Django admin's change list of the same requests, for a superuser.

Prints requests per second, p50 and p99 latency, and for each page its
time per request relative to the trivial view and to the admin (the
inverse ratio of their rates). The database is dropped at the end. Run it
with ``make bench``.
"""

import argparse
import http.client
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from scratch import (
    existing_database,
    free_port,
    scratch_database,
    session_keys,
    setup_django,
    start_gunicorn,
    stop_gunicorn,
)

BENCH_DATABASE = "codeshare_bench_pages"
ADMIN = "admin change list"
# A query parameter new on every request, which the dashboard ignores: every
# view misses the kept drawings and draws the figures afresh, as the first
# view after a change of the figures does. RUN is new for each run of wrk.
FRESH = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local count = 0
function request()
  count = count + 1
  return wrk.format(nil, wrk.path .. "?fresh=RUN-" .. id .. "-" .. count)
end
"""
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
DURATION = re.compile(r"([\d.]+)(us|ms|s|m)\b")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libraries", type=int, default=30)
    parser.add_argument("--readers", type=int, default=200_000)
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=(os.cpu_count() or 1) * 2 + 1,
        help="gunicorn workers",
    )
    parser.add_argument("--connections", type=int, default=8, help="wrk's -c")
    parser.add_argument("--seconds", type=int, default=10, help="per page")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="the shared cache production runs with ('' for none); sessions "
        "are read from it",
    )
    parser.add_argument(
        "--database",
        help="measure this database, already filled by seed_large, and keep it "
        "(the default is a new database, seeded here and dropped at the end)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench_pages needs wrk: apt-get install wrk")
    if args.redis_url:
        check_redis(args.redis_url)

    world = (
        existing_database(args.database)
        if args.database
        else scratch_database(BENCH_DATABASE)
    )
    with world as url:
        setup_django(url)
        pages = prepare(args, seed=not args.database)
        port = free_port()
        server = start_gunicorn(url, port, args.workers, REDIS_URL=args.redis_url)
        try:
            print(
                f"gunicorn with {args.workers} workers on 127.0.0.1:{port}, "
                f"cache {args.redis_url or 'per process'}; wrk with "
                f"{args.connections} connections, {args.seconds} s a page"
            )
            results = [measure(port, page, args) for page in pages]
        finally:
            written = stop_gunicorn(server)
            from django.db import connections

            connections.close_all()
    report(results)
    if "Traceback" in written or " ERROR " in written:
        print("\ngunicorn reported errors:\n" + written[-3000:])


def check_redis(url):
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        raise SystemExit(
            f"Redis at {url} does not answer ({error}); start it, or pass "
            "--redis-url '' to measure without a shared cache."
        ) from None


def prepare(args, seed):
    """Migrate, seed the world and pick who looks at what; the pages."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if seed:
        print(
            f"World: {args.libraries:,} libraries, {args.readers:,} readers, "
            f"{args.codes:,} codes, {args.requests:,} requests"
        )
        call_command(
            "seed_large",
            libraries=args.libraries,
            readers=args.readers,
            codes=args.codes,
            requests=args.requests,
            force=True,
        )

    from django.db.models import Count

    from accounts.models import Library, User
    from requests_app.models import CodeRequest, RequestStatus

    library = (
        Library.objects.annotate(requests=Count("code_requests"))
        .order_by("-requests")
        .first()
    )
    librarian = User.objects.filter(library=library).order_by("pk").first()
    busiest = (
        CodeRequest.objects.filter(library=library)
        .values("reader")
        .annotate(requests=Count("pk"))
        .order_by("-requests", "reader")
        .first()
    )
    reader = User.objects.get(pk=busiest["reader"])
    latest = CodeRequest.objects.filter(reader=reader).order_by("-pk").first()
    pending = (
        CodeRequest.objects.filter(library=library, status=RequestStatus.PENDING)
        .order_by("created_at", "pk")
        .first()
    )
    provider = User.objects.get(email="provider@large.test")
    superuser = User.objects.filter(email="admin@large.test").first()
    if superuser is None:
        superuser = User.objects.create_superuser(
            "admin@large.test", "bench-only-password", full_name="Bench Admin"
        )
    print(
        f"The largest library, {library.slug}, holds {library.requests:,} requests; "
        f"its busiest reader made {busiest['requests']}."
    )

    people = [librarian, reader, provider, superuser]
    session = dict(zip([user.pk for user in people], session_keys(people), strict=True))
    return [
        ("trivial view (/healthz)", "/healthz", None),
        ("librarian's queue", "/library/", session[librarian.pk]),
        ("review a request", pending.get_review_url(), session[librarian.pk]),
        ("library's codes", "/library/codes/", session[librarian.pk]),
        ("reader's requests", "/requests/", session[reader.pk]),
        ("a request", latest.get_absolute_url(), session[reader.pk]),
        ("provider dashboard", "/empik/", session[provider.pk]),
        ("provider dashboard, drawn", "/empik/", session[provider.pk], FRESH),
        # Before the admin: its slow queries outlast wrk's run.
        ("trivial view, again", "/healthz", None),
        (
            ADMIN,
            "/admin/requests_app/coderequest/",
            session[superuser.pk],
        ),
    ]


def measure(port, page, args):
    name, path, session, *script = page
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}, not 200")

    command = ["wrk", "--latency", "--timeout", "60s", "-t", "2"]
    command += ["-c", str(args.connections)]
    if session:
        command += ["-H", f"Cookie: sessionid={session}"]
    url = f"http://127.0.0.1:{port}{path}"
    with tempfile.TemporaryDirectory() as folder:

        def wrk(seconds):
            options = []
            if script:
                lua = Path(folder) / f"{uuid.uuid4().hex}.lua"
                lua.write_text(script[0].replace("RUN", lua.stem))
                options = ["-s", str(lua)]
            return subprocess.run(
                [*command, *options, "-d", f"{seconds}s", url],
                check=True,
                capture_output=True,
                text=True,
            )

        # A short run first, so that every worker has its connection and
        # every page its rows in PostgreSQL's cache.
        wrk(2)
        run = wrk(args.seconds)
    result = parse(run.stdout)
    shown = f"{path}?fresh=<new>" if script else path
    result.update(name=name, path=shown, kilobytes=len(body) / 1024)
    print(
        f"  {name}: {result['rps']:.1f}/s, p50 {result['p50']:.1f} ms, "
        f"p99 {result['p99']:.1f} ms"
    )
    return result


def parse(output):
    """Rate, p50 and p99 in ms, and failures, from wrk's report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = {}
    for percent in ("50", "99"):
        value, unit = DURATION.search(
            re.search(rf"^\s+{percent}%\s+(\S+)", output, re.M).group(1)
        ).groups()
        percentiles[f"p{percent}"] = float(value) * UNITS[unit]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        **percentiles,
        "failed": int(failed.group(1)) if failed else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def report(results):
    # The trivial view is measured more than once; the ratios take the mean
    # of its rates, as the machine's speed drifts.
    references = [result["rps"] for result in results if result["path"] == "/healthz"]
    trivial = {"rps": sum(references) / len(references)}
    admin = next(result for result in results if result["name"] == ADMIN)
    print()
    print(
        f"{'page':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'KB':>7}"
        f"{'x trivial':>11}{'x admin':>9}  path"
    )
    for result in results:
        print(
            f"{result['name']:<26}{result['rps']:>9.1f}{result['p50']:>9.1f}"
            f"{result['p99']:>9.1f}{result['kilobytes']:>7.0f}"
            f"{trivial['rps'] / result['rps']:>11.1f}"
            f"{admin['rps'] / result['rps']:>9.2f}  {result['path']}"
        )
        if result["failed"] or result["socket_errors"]:
            print(
                f"{'':<26}{result['failed']} failed responses; "
                f"socket errors: {result['socket_errors'] or 'none'}"
            )
    print(
        "\nx trivial and x admin: time per request relative to the trivial view "
        "(the mean of its two rates) and to the admin's change list (their rate "
        "over the page's)."
    )


if __name__ == "__main__":
    main()

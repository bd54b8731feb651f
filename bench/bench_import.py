"""How fast the code import loads, next to PostgreSQL's own COPY.

Makes a database of its own next to the one DATABASE_URL names (default
postgres://root@127.0.0.1:5432/root), migrates it, and then:

1. writes 100,000 codes to a CSV file, loads it through
   ``codes.importing.import_code_file``, empties the table, and COPYs
   equivalent rows straight into it; prints both times and their ratio;
2. loads 100,000 and then 1,000,000 codes, each in a fresh process, and
   prints the time next to a COPY of as many rows, and that process's peak
   resident memory next to the memory the checked rows themselves take.

The database is dropped at the end. Run it with ``make bench``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from scratch import scratch_database, setup_django

BENCH_DATABASE = "codeshare_bench_import"
ROUNDS = 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "ROWS"))
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure_in_child(args.child[0], int(args.child[1]))))
        return

    with (
        scratch_database(BENCH_DATABASE) as url,
        tempfile.TemporaryDirectory(prefix="codeshare-bench-") as folder,
    ):
        run(Path(folder), url, args.small, args.large)


def run(folder, url, small, large):
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    library = _library()

    small_file = _write_codes(folder / "codes-small.csv", small, "S")
    service_times, copy_times = [], []
    for _ in range(ROUNDS):
        service_times.append(_time_service(small_file, library))
        _empty_tables()
        copy_times.append(_time_copy(small, library))
        _empty_tables()
    service, copy = min(service_times), min(copy_times)
    print(f"{small:,} codes, best of {ROUNDS}:")
    print(f"  import service (CSV file to committed rows) {service:6.2f} s")
    print(f"  PostgreSQL COPY of equivalent rows          {copy:6.2f} s")
    print(f"  ratio                                       {service / copy:6.2f}")

    for rows in (small, large):
        path = _write_codes(folder / f"codes-{rows}.csv", rows, "L")
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(path), str(rows)],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(child.stdout.splitlines()[-1])
        _empty_tables()
        copy = _time_copy(rows, library)
        _empty_tables()
        print(
            f"{rows:,} codes in a fresh process "
            f"({path.stat().st_size / 2**20:.1f} MB file):\n"
            f"  import service {figures['seconds']:6.2f} s "
            f"(reading and checking {figures['check_seconds']:.2f} s, "
            f"COPY and commit {figures['load_seconds']:.2f} s); "
            f"COPY alone {copy:.2f} s, ratio {figures['seconds'] / copy:.2f}\n"
            f"  peak RSS {figures['peak_mb']:.0f} MB: {figures['start_mb']:.0f} MB "
            f"before the import, the checked rows {figures['rows_mb']:.0f} MB"
        )


def measure_in_child(path, rows):
    """Load one file in this process; report time and memory."""
    setup_django(os.environ["DATABASE_URL"])
    from codes import importing

    library = _library()
    start_mb = _memory_mb("VmRSS")
    started = time.perf_counter()
    with open(path, "rb") as source:
        checked = importing.check_code_file(
            source, Path(path).name, valid_until=_valid_until()
        )
    checked_at = time.perf_counter()
    result = importing.load_codes(checked, library=library)
    finished = time.perf_counter()
    assert result.ok and result.count == rows, result.errors[:5]
    return {
        "seconds": finished - started,
        "check_seconds": checked_at - started,
        "load_seconds": finished - checked_at,
        "peak_mb": _memory_mb("VmHWM"),
        "start_mb": start_mb,
        "rows_mb": _rows_size(checked) / 2**20,
    }


def _time_service(path, library):
    from codes import importing

    started = time.perf_counter()
    with open(path, "rb") as source:
        result = importing.import_code_file(
            source, path.name, library=library, valid_until=_valid_until()
        )
    seconds = time.perf_counter() - started
    assert result.ok, result.errors[:5]
    return seconds


def _time_copy(rows, library):
    """COPY rows like the service's into the codes table, in a transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    from codes.models import CodeBatch

    batch = CodeBatch.objects.create(
        name="copy", library=library, valid_until=_valid_until()
    )
    tail = (
        f"\t{batch.pk}\t{library.pk}\tavailable\t{_valid_until().isoformat()}"
        f"\t{timezone.now().isoformat()}\n"
    )
    lines = [f"S-{number:010d}{tail}" for number in range(rows)]
    sql = (
        "COPY codes_code (value, batch_id, library_id, status, valid_until, "
        "created_at) FROM STDIN"
    )

    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(sql) as copy,
    ):
        for start in range(0, rows, 10_000):
            copy.write("".join(lines[start : start + 10_000]))
    return time.perf_counter() - started


def _write_codes(path, rows, prefix):
    with open(path, "w", encoding="utf-8") as out:
        out.write("code\n")
        for start in range(0, rows, 10_000):
            end = min(start + 10_000, rows)
            out.write("".join(f"{prefix}-{n:010d}\n" for n in range(start, end)))
    return path


def _rows_size(checked):
    """Bytes the checked rows take: the values, their keys, lines and dates."""
    seen = set()
    total = 0
    for container in (checked.lines, checked.values, checked.dates):
        total += sys.getsizeof(container)
    for key, line in checked.lines.items():
        total += sys.getsizeof(key) + sys.getsizeof(line)
        seen.add(id(key))
    for value in checked.values:
        if id(value) not in seen:
            total += sys.getsizeof(value)
    return total


def _library():
    from accounts.models import Library

    return Library.objects.get_or_create(slug="bench", defaults={"name": "Bench"})[0]


def _valid_until():
    return date.today() + timedelta(days=365)


def _empty_tables():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE codes_code, codes_codebatch CASCADE")
        cursor.execute("VACUUM ANALYZE codes_code")


def _memory_mb(name):
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()

"""Audit chain throughput: appended events per second with 1, 4 and 8 threads, each append its own
transaction (as an audited page view is), and how long the head row is held per append. Writes events
into the configured database: use a scratch one (refused in production mode).

    DATABASE_URL=postgres://…/scratch jalin migrate
    DATABASE_URL=postgres://…/scratch python bench/bench_audit_append.py [--events 400]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jalin.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400, help="events per run (split over the threads)")
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from jalin.audit.services import record, verify_chain

    if settings.PRODUCTION:
        raise SystemExit("bench_audit_append writes audit events: not in production mode")
    print(f"{connection.vendor}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'threads':>7} {'events/s':>9} {'ms/event':>9}")
    for threads in (1, 4, 8):
        per_thread = max(1, args.events // threads)
        barrier = threading.Barrier(threads + 1)

        def append(n: int, per_thread=per_thread, barrier=barrier) -> None:
            barrier.wait()
            for i in range(per_thread):
                record("bench.append", thread=n, i=i)
            connection.close()

        workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        barrier.wait()
        started = time.perf_counter()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        total = per_thread * threads
        print(f"{threads:7d} {total / elapsed:9.0f} {elapsed * 1000 / total * threads:9.2f}")
    report = verify_chain()
    print(f"audit verify: {'ok' if report.ok else report.problem}, {report.checked} events")


if __name__ == "__main__":
    main()

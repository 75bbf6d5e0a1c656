"""Before and after a load run, against the same database (same DATABASE_URL / JALIN_DATA_DIR as the server):
prints the queries each page runs for a seeded counselor at the seeded volume, the number of action steps
the load run's writes created (to compare with locust's "writes answered 302": lost writes), and whether
the audit chain verifies.

    python bench/load/check.py [--user muat001] [--skip-verify]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jalin.settings")


def _count(queries) -> int:
    """Statements sent, as tests/web/test_query_counts.py counts them: no savepoints, no bare BEGIN/COMMIT
    (the audit append's "BEGIN; UPDATE …" on PostgreSQL is one statement sent, and counted). Every round
    trip, BEGIN and COMMIT included: bench/bench_pages.py."""
    return sum(not re.fullmatch(r"(BEGIN|COMMIT|(RELEASE )?SAVEPOINT .*)", q["sql"].strip())
               for q in queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="muat001")
    parser.add_argument("--skip-verify", action="store_true", help="do not walk the audit chain")
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jalin.accounts.models import User
    from jalin.audit.models import AuditEvent
    from jalin.audit.services import verify_chain
    from jalin.cases.models import ActionStep, Case

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    case = Case.objects.filter(counselor=user).order_by("pk").first()
    pages = {"dashboard": "/", "case list": "/cases/", "case detail": f"/cases/{case.pk}/"}
    print(f"{connection.vendor}: {Case.objects.count()} cases, {AuditEvent.objects.count()} audit events; "
          f"as {args.user} ({Case.objects.filter(counselor=user).count()} own cases)")
    print(f"{'page':16} {'queries':>7} {'ms':>6}")
    for url in pages.values():
        client.get(url)  # warm: templates, key ring, first connection
    for name, url in list(pages.items()):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        print(f"{name:16} {_count(queries):7d} {elapsed:6.0f}")
        if name == "case detail":
            session = re.search(r'href="(/sessions/\d+/)"', response.content.decode())
            if session:
                pages["session detail"] = session.group(1)
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(session.group(1))
                    elapsed = (time.perf_counter() - started) * 1000
                print(f"{'session detail':16} {_count(queries):7d} {elapsed:6.0f}")
    # The step's text is encrypted (no filter on it); seed_volume writes no action steps, so every one
    # is a load run's write.
    print(f"action steps (seed_volume writes none; each is a load-run write): {ActionStep.objects.count()}")
    if not args.skip_verify:
        started = time.perf_counter()
        report = verify_chain()
        print(f"audit verify: {'ok' if report.ok else 'BROKEN: ' + report.problem}, {report.checked} events "
              f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()

"""Per page of the load test (bench/load/locustfile.py): time, database round trips and CPU of one request,
for a seeded counselor at the seeded volume, under the production settings `jalin serve` runs with.

    export JALIN_DATA_DIR=/tmp/jalin-load DATABASE_URL=postgres://postgres@127.0.0.1:5432/jalin_load
    python bench/bench_pages.py [-n 40] [--user muat001] [--trace] [--no-write]

The database must be migrated and seeded (`jalin manage seed_volume`, see bench/load/README.md). Requests go
through Django's test client in this process, one after another (no concurrency: what one request costs,
not how requests queue), with a persistent database connection as `jalin serve` keeps one (CONN_MAX_AGE).
The write (an action-plan step, as the load test posts) adds rows: use a copy of the site, or --no-write.

Columns, medians over the requests of a page:
  ms / p95   wall time of the whole request
  trips      database round trips: statements, BEGIN, COMMIT/ROLLBACK and savepoints, each one wake-up of
             the database process (counted from what the driver sends; Django's own query log misses
             BEGIN and COMMIT); "view" is the part inside the view (URL resolution, view, template),
             "mw" the rest (session, user, middleware, messages)
  cpu        this process's CPU ms for the request (view part in the next column), tpl its template
             rendering, dec the encrypted values decrypted
  db cpu     the PostgreSQL backend process's CPU ms (mean; read from /proc, so only for a local server)
  session    round trips that saved the session, all requests of the page together (the inactivity check
             saves it at most once a minute; a message saves it when added and again when shown)
--trace prints every statement of one request per page with where in the code it comes from.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import re
import secrets
import statistics
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jalin.settings")
# `jalin serve`'s settings: production mode (persistent connections, secure cookies, cached templates).
os.environ["JALIN_MODE"] = "production"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ["ALLOWED_HOSTS"] = ",".join(filter(None, [os.environ.get("ALLOWED_HOSTS", ""), "testserver"]))
os.environ.setdefault("JALIN_LOG_LEVEL", "WARNING")

_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_JALIN = os.path.join(_ROOT, "jalin") + os.sep


@functools.cache
def _real(filename: str) -> str:
    return os.path.realpath(filename)


@dataclass
class Trip:
    what: str  # the statement's first words, or BEGIN / COMMIT / ROLLBACK / CONNECT
    where: str
    in_view: bool


@dataclass
class Sample:
    ms: float = 0.0
    cpu: float = 0.0
    view_cpu: float = 0.0
    template_cpu: float = 0.0
    decrypts: int = 0
    db_cpu: float | None = None
    trips: list[Trip] = field(default_factory=list)

    def count(self, *, in_view: bool | None = None, session: bool = False) -> int:
        return sum(1 for t in self.trips if (in_view is None or t.in_view == in_view)
                   and (not session or ("sessions" in t.where and not t.what.startswith("SELECT"))))


class Probe:
    """Sees every round trip Django makes on one connection and where in the code it was made."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.sample: Sample | None = None
        self.in_view = False

    # -- where --------------------------------------------------------------------------------------
    @staticmethod
    def _where() -> str:
        """The innermost frame in Jalin's code (or in django.contrib / django.middleware) that led here."""
        frame = sys._getframe(3)
        template = False
        while frame is not None:
            name = _real(frame.f_code.co_filename)
            if name.startswith(_JALIN):
                where = f"{os.path.relpath(name, _ROOT)}:{frame.f_lineno} {frame.f_code.co_name}"
                return where + (" (template)" if template else "")
            if f"{os.sep}django{os.sep}template{os.sep}" in name:
                template = True
            for part in ("contrib", "middleware"):
                if f"{os.sep}django{os.sep}{part}{os.sep}" in name:
                    short = name.split(f"{os.sep}django{os.sep}", 1)[1]
                    return f"django/{short}:{frame.f_lineno} {frame.f_code.co_name}"
            frame = frame.f_back
        return "?"

    def _note(self, what: str) -> None:
        if self.sample is not None:
            self.sample.trips.append(Trip(what, self._where(), self.in_view))

    def _idle(self) -> bool:
        raw = self.connection.connection
        if raw is None:
            return True
        if self.connection.vendor == "postgresql":
            from psycopg.pq import TransactionStatus

            return raw.info.transaction_status == TransactionStatus.IDLE
        return not raw.in_transaction

    # -- hooks --------------------------------------------------------------------------------------
    def install(self) -> None:
        connection = self.connection
        connection.execute_wrappers.append(self._execute)
        for name, what in (("_commit", "COMMIT"), ("_rollback", "ROLLBACK")):
            original = getattr(connection, name)

            def ended(original=original, what=what):
                if not self._idle():  # the driver sends nothing when no statement ran in the block
                    self._note(what)
                return original()

            setattr(connection, name, ended)
        connect = connection.connect

        def connected():
            self._note("CONNECT")
            return connect()

        connection.connect = connected

    def _execute(self, execute, sql, params, many, context):
        if self.connection.vendor == "postgresql" and not self.connection.get_autocommit() and self._idle():
            self._note("BEGIN")  # psycopg opens the transaction with its own round trip first
        # (SQLite's BEGIN IMMEDIATE is a statement Django executes itself: it passes through here.)
        self._note(" ".join(sql.split()[:4])[:70])
        return execute(sql, params, many, context)


PROBE: Probe | None = None


class ViewProbe:
    """Innermost middleware (added by this benchmark only): what happens inside it is "the view"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        PROBE.in_view = True
        started = time.process_time()
        try:
            return self.get_response(request)
        finally:
            if PROBE.sample is not None:
                PROBE.sample.view_cpu += (time.process_time() - started) * 1000
            PROBE.in_view = False


def _patch_cpu_counters() -> None:
    """Template rendering time and decryptions, added to the running sample."""
    from django.template.backends.django import Template

    from jalin.core.crypto import KeyRing

    render, decrypt = Template.render, KeyRing.decrypt

    def timed_render(self, *args, **kwargs):
        started = time.process_time()
        try:
            return render(self, *args, **kwargs)
        finally:
            if PROBE.sample is not None:
                PROBE.sample.template_cpu += (time.process_time() - started) * 1000

    def counted_decrypt(self, *args, **kwargs):
        if PROBE.sample is not None:
            PROBE.sample.decrypts += 1
        return decrypt(self, *args, **kwargs)

    Template.render, KeyRing.decrypt = timed_render, counted_decrypt


def _backend_cpu_reader(connection):
    """The local PostgreSQL backend's CPU seconds so far, or None (not PostgreSQL, or not on this machine)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    path = f"/proc/{pid}/stat"
    if not os.access(path, os.R_OK):
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        with open(path) as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    return read


def _measure(client, method: str, url: str, backend_cpu, **kwargs) -> tuple[Sample, object]:
    sample = Sample()
    PROBE.sample = sample
    db_before = backend_cpu() if backend_cpu else None
    cpu, wall = time.process_time(), time.perf_counter()
    response = getattr(client, method)(url, secure=True, **kwargs)
    sample.ms = (time.perf_counter() - wall) * 1000
    sample.cpu = (time.process_time() - cpu) * 1000
    PROBE.sample = None
    if backend_cpu:
        sample.db_cpu = (backend_cpu() - db_before) * 1000
    return sample, response


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(0.95 * len(ordered)) - 1))]


def main() -> None:
    global PROBE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=40, help="requests per page (default 40)")
    parser.add_argument("--user", default="muat001")
    parser.add_argument("--trace", action="store_true", help="print every round trip of one request per page")
    parser.add_argument("--no-write", action="store_true", help="skip the action-step POST (adds rows)")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile the requests of one page (e.g. 'case detail'): "
                        "the 30 functions with the most own CPU time")
    args = parser.parse_args()

    import django
    from django.conf import settings

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "__main__.ViewProbe"]
    django.setup()
    from django.db import connection
    from django.test import Client

    from jalin.accounts.models import User
    from jalin.cases.models import Case

    PROBE = Probe(connection)
    PROBE.install()
    _patch_cpu_counters()
    user = User.objects.get(username=args.user)
    cases = list(Case.objects.filter(counselor=user, status__in=["baru", "penanganan"])
                 .order_by("pk").values_list("pk", flat=True)[:20])
    if not cases:
        raise SystemExit(f"{args.user} has no open case: seed the database first (bench/load/README.md)")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    backend_cpu = _backend_cpu_reader(connection)
    conn_max_age = settings.DATABASES["default"].get("CONN_MAX_AGE")
    print(f"{connection.vendor}, CONN_MAX_AGE {conn_max_age}; {Case.objects.count()} cases; as {args.user} "
          f"({len(cases)} open cases used); {args.n} requests per page; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")

    sessions: list[str] = []

    def session_url(i: int) -> str:
        return sessions[i % len(sessions)]

    def write(i: int):
        url = f"/cases/{cases[i % len(cases)]}/action-steps/new/"
        return "post", url, {"data": {"csrfmiddlewaretoken": client.cookies["csrftoken"].value,
                                      "description": "Langkah uji muatan", "owner": "counselee", "due_date": "",
                                      "status": "planned"}, "HTTP_REFERER": "https://testserver" + url}

    pages = {
        "dashboard": lambda i: ("get", "/", {}),
        "case list": lambda i: ("get", "/cases/", {}),
        "case detail": lambda i: ("get", f"/cases/{cases[i % len(cases)]}/", {}),
        "session detail": lambda i: ("get", session_url(i), {}),
        "action step form": lambda i: ("get", f"/cases/{cases[i % len(cases)]}/action-steps/new/", {}),
    }
    if not args.no_write:
        pages["write: action step"] = write
    # Warm: templates, key ring, translations, the connection; the first request writes the session's
    # last-seen time (again once a minute: counted in the "session" column when it falls into a run).
    for case in cases:
        page = client.get(f"/cases/{case}/", secure=True).content.decode()
        sessions += sorted(set(re.findall(r'href="(/sessions/\d+/)"', page)))
    if not sessions:
        raise SystemExit("the seeded cases have no sessions")
    for name, make in pages.items():
        method, url, kwargs = make(0)
        getattr(client, method)(url, secure=True, **kwargs)

    if args.profile and args.profile not in pages:
        raise SystemExit(f"--profile: one of {', '.join(pages)}")
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waiting
    results: dict[str, list[Sample]] = {name: [] for name in pages}
    for i in range(args.n):
        for name, make in pages.items():  # interleaved, as the load test's counselors click
            method, url, kwargs = make(i)
            if name == args.profile:
                profiler.enable()
            sample, response = _measure(client, method, url, backend_cpu, **kwargs)
            if name == args.profile:
                profiler.disable()
            expected = 302 if method == "post" else 200
            if response.status_code != expected:
                raise SystemExit(f"{name} {url}: HTTP {response.status_code}, expected {expected}")
            results[name].append(sample)

    header = (f"{'page':20} {'ms':>6} {'p95':>6} {'trips':>6} {'view':>5} {'mw':>4} {'cpu':>6} {'view':>6} "
              f"{'tpl':>6} {'dec':>5} {'db cpu':>7} {'session':>7}")
    print(header)
    for name, samples in results.items():
        med = statistics.median
        db = [s.db_cpu for s in samples if s.db_cpu is not None]
        print(f"{name:20} {med(s.ms for s in samples):6.1f} {_p95([s.ms for s in samples]):6.1f} "
              f"{med(s.count() for s in samples):6.0f} {med(s.count(in_view=True) for s in samples):5.0f} "
              f"{med(s.count(in_view=False) for s in samples):4.0f} {med(s.cpu for s in samples):6.1f} "
              f"{med(s.view_cpu for s in samples):6.1f} {med(s.template_cpu for s in samples):6.1f} "
              f"{med(s.decrypts for s in samples):5.0f} "
              f"{(statistics.mean(db) if db else float('nan')):7.1f} "
              f"{sum(s.count(session=True) for s in samples):7d}")
    if profiler is not None:
        print(f"\n{args.profile}, {args.n} requests (times under the profiler are inflated):")
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(os.environ.get("BENCH_FILTER", ""), 30)
    if args.trace:
        for name, samples in results.items():
            sample = samples[len(samples) // 2]
            print(f"\n{name}: {sample.count()} round trips")
            for trip in sample.trips:
                print(f"  {'view' if trip.in_view else 'mw  '} {trip.what:45} {trip.where}")


if __name__ == "__main__":
    main()

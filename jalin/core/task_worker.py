"""Running the background-task worker of whichever ``django.tasks`` backend is configured.

``jalin worker`` runs it in the foreground; ``jalin demo`` in a thread of the web process, so the demo
needs one command. Beside the backend's own worker loop (django-tasks-db's ``db_worker`` or
django-tasks-redis's ``run_redis_tasks``) a sweeper queues again the jobs that were never queued or whose
worker died (``jalin.practice.tasks.recover_jobs``). A database or Redis that is away is waited for with
one clear log line per try, never a traceback loop.
"""

from __future__ import annotations

import logging
import os
import threading

from django.db import DatabaseError, close_old_connections, connections

log = logging.getLogger("jalin.tasks")

SWEEP_SECONDS = max(1, int(os.environ.get("JALIN_TASK_SWEEP_SECONDS", "60") or 60))  # how often dead jobs are looked for
RETRY_CONNECT_SECONDS = 5
_thread: threading.Thread | None = None


def backend_kind() -> str:
    """'database' or 'redis': which backend the default task backend is."""
    from django.tasks import task_backends

    backend = task_backends["default"]
    return "redis" if type(backend).__module__.startswith("django_tasks_redis") else "database"


def _recover(grace_seconds: int | None = None) -> int:
    from jalin.practice.tasks import REQUEUE_GRACE_SECONDS, recover_jobs

    return recover_jobs(grace_seconds=REQUEUE_GRACE_SECONDS if grace_seconds is None else grace_seconds)


def _describe(exc: BaseException) -> str:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line}"[:300]


def wait_for_database(stop: threading.Event) -> bool:
    """Recover left-over jobs once the database answers; False when stopped while waiting."""
    while not stop.is_set():
        try:
            queued = _recover(grace_seconds=0)
        except DatabaseError as exc:
            log.error("task worker: the database is not reachable (%s); check DATABASE_URL. Retrying in %s s",
                      _describe(exc), RETRY_CONNECT_SECONDS)
            close_old_connections()
            stop.wait(RETRY_CONNECT_SECONDS)
            continue
        if queued:
            log.info("task worker: %s left-over analysis job(s) queued again", queued)
        return True
    return False


def _sweep_forever(stop: threading.Event) -> None:
    while not stop.wait(SWEEP_SECONDS):
        try:
            _recover()
        except Exception as exc:  # noqa: BLE001 - the next sweep tries again
            log.warning("task worker: sweep failed (%s)", _describe(exc))
        finally:
            close_old_connections()
    connections.close_all()


def _database_worker(*, interval: float, batch: bool, in_thread: bool):
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(queue_names=["default"], interval=interval, batch=batch, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id=get_random_string(32),
                    excluded_queue_names=[])
    if not in_thread and not batch:
        worker.configure_signals()
    return worker


def _redis_args(*, batch: bool, in_thread: bool) -> list[str]:
    args = ["run_redis_tasks", "--backend", "default"]
    if not batch:
        args.append("--continuous")
    if in_thread:
        args.append("--no-graceful-shutdown")  # signal handlers belong to the main thread
    return args


def run_pending() -> None:
    """Run every task that is due now, then return (``jalin worker --once``, tests)."""
    from django.core.management import call_command

    _recover(grace_seconds=0)
    if backend_kind() == "redis":
        call_command(*_redis_args(batch=True, in_thread=True), verbosity=0, stdout=_Null())
    else:
        _run_due_database_tasks()


def _run_due_database_tasks() -> int:
    """django-tasks-db's claim-and-run step until nothing is due, without its loop's connection handling
    (which would close a connection inside a test's transaction)."""
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = _database_worker(interval=0, batch=True, in_thread=True)
    count = 0
    while True:
        due = DBTaskResult.objects.ready().filter(backend_name="default", queue_name="default")
        with exclusive_transaction(due.db):
            result = due.get_locked()
            if result is not None:
                result.claim(worker.worker_id)
        if result is None:
            return count
        worker.run_task(result)
        count += 1


def run_forever(*, interval: float = 1.0, stop: threading.Event | None = None, in_thread: bool = False) -> None:
    """Run the backend's worker until stopped; a database or Redis that goes away is waited for."""
    from django.core.management import call_command

    stop = stop or threading.Event()
    if not wait_for_database(stop):
        return
    sweeper = threading.Thread(target=_sweep_forever, args=(stop,), name="jalin-task-sweeper", daemon=True)
    sweeper.start()
    kind = backend_kind()
    log.info("task worker: running (%s backend)", kind)
    try:
        while not stop.is_set():
            try:
                if kind == "redis":
                    call_command(*_redis_args(batch=False, in_thread=in_thread))
                else:
                    worker = _database_worker(interval=interval, batch=False, in_thread=in_thread)
                    watcher = threading.Thread(target=_stop_when_set, args=(stop, worker), daemon=True)
                    watcher.start()
                    worker.run()
            except DatabaseError as exc:
                log.error("task worker: the database went away (%s); retrying in %s s", _describe(exc),
                          RETRY_CONNECT_SECONDS)
            except Exception as exc:  # noqa: BLE001 - Redis unreachable and the like: wait and retry
                log.error("task worker: the task queue is not reachable (%s); retrying in %s s",
                          _describe(exc), RETRY_CONNECT_SECONDS)
            close_old_connections()
            stop.wait(RETRY_CONNECT_SECONDS if not stop.is_set() else 0)
    finally:
        stop.set()


def _stop_when_set(stop: threading.Event, worker) -> None:
    stop.wait()
    worker.running = False


def start_background_worker(interval: float = 1.0) -> threading.Thread:
    """Start the in-process worker thread once (``jalin demo``, runserver with JALIN_INPROCESS_WORKER=1)."""
    global _thread
    if _thread is None or not _thread.is_alive():
        def work() -> None:
            try:
                run_forever(interval=interval, in_thread=True)
            finally:
                connections.close_all()

        _thread = threading.Thread(target=work, name="jalin-task-worker", daemon=True)
        _thread.start()
    return _thread


class _Null:
    def write(self, *_args, **_kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


__all__ = ["backend_kind", "run_forever", "run_pending", "start_background_worker", "wait_for_database"]

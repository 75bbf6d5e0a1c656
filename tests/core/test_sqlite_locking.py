"""SQLite under concurrent writers: transactions that read and then write wait for the lock instead of
failing with "database is locked" (IMMEDIATE transactions and a busy timeout, see settings)."""

import threading

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.utils import timezone

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking only")


def test_sqlite_transactions_begin_immediate():
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_read_then_write_transactions_never_fail_with_database_locked():
    errors: list[str] = []
    start = threading.Barrier(6)

    def writer(number: int) -> None:
        try:
            start.wait()
            for step in range(15):
                with transaction.atomic():
                    # Read first, then write: a deferred transaction would have to upgrade its lock here.
                    count = Session.objects.count()
                    Session.objects.create(session_key=f"w{number}-{step}", session_data=str(count),
                                           expire_date=timezone.now())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Session.objects.count() == 6 * 15

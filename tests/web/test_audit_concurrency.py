"""Audited requests in parallel: threads, each on its own database connection, append events at the same
time (some in a transaction that also writes, some rolled back). The chain stays linear: `jalin audit
verify` passes, the sequence has no gap and no duplicate, and a rolled-back event leaves no trace. Runs on
SQLite and on PostgreSQL (where the head row's lock is what keeps the chain linear)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from jalin.accounts.models import LoginFailure
from jalin.audit.models import AuditEvent, AuditHead
from jalin.audit.services import record, verify_chain

THREADS = 8
EVENTS = 15


class _RolledBack(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_parallel_appends_make_one_verifiable_chain_without_gaps_or_duplicates(owner):
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            start.wait()
            for i in range(EVENTS):
                if i % 5 == 4:  # rolled back after the append: neither the event nor its number survive
                    try:
                        with transaction.atomic():
                            record("test.rolled_back", actor=owner, thread=n, i=i)
                            raise _RolledBack
                    except _RolledBack:
                        pass
                elif i % 2:
                    with transaction.atomic():  # a write, then its event, in one transaction
                        LoginFailure.objects.create(username=f"t{n}-{i}", address=None)
                        record("test.write", actor=owner, thread=n, i=i)
                else:
                    record("test.read", actor=owner, thread=n, i=i)  # an audited read: its own transaction
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    before = AuditEvent.objects.count()
    threads = [threading.Thread(target=append, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    kept = THREADS * sum(1 for i in range(EVENTS) if i % 5 != 4)
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + kept + 1))  # no gap, no duplicate
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    written = AuditEvent.objects.filter(action__startswith="test.")
    assert sorted(written.values_list("detail__thread", "detail__i")) == sorted(
        (n, i) for n in range(THREADS) for i in range(EVENTS) if i % 5 != 4)
    assert LoginFailure.objects.count() == THREADS * sum(1 for i in range(EVENTS) if i % 5 != 4 and i % 2)
    head = AuditHead.objects.get(pk=1)
    last = AuditEvent.objects.order_by("-seq").first()
    assert (head.last_seq, head.last_hash) == (last.seq, last.hash)
    report = verify_chain()
    assert report.ok, report.problem
    assert report.checked == before + kept

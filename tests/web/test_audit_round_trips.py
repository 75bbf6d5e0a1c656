"""An audited read outside a transaction appends its event in two round trips on PostgreSQL ("BEGIN; UPDATE
head" and "INSERT + head hash; COMMIT"), and a failure between or inside them leaves neither the event nor
its sequence number behind, with the connection still usable. On SQLite the append takes Django's
transaction path; the chain verifies either way."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from jalin.audit.models import AuditEvent, AuditHead
from jalin.audit.services import record, verify_chain

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(queries) -> list[str]:
    return [" ".join(q["sql"].split()[:3]) for q in queries.captured_queries]


def _head() -> tuple[int, str]:
    head = AuditHead.objects.get(pk=1)
    return head.last_seq, head.last_hash


def test_first_event_of_a_new_database_and_the_next_ones_make_a_verifiable_chain(owner):
    assert not AuditHead.objects.exists()  # the flushed test database has no head row yet
    first = record("test.read", actor=owner, n=1)
    second = record("test.read", actor=owner, n=2)
    with transaction.atomic():
        third = record("test.write", actor=owner, n=3)
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [(e.pk, e.seq, e.hash, e.detail) for e in stored] == [
        (e.pk, e.seq, e.hash, {"n": n}) for n, e in enumerate((first, second, third), start=1)]
    assert _head() == (3, third.hash)
    report = verify_chain()
    assert report.ok and report.checked == 3, report.problem


def test_an_audited_read_on_postgresql_is_two_round_trips(owner):
    if connection.vendor != "postgresql":
        pytest.skip("the two-round-trip append is PostgreSQL's (SQLite runs in-process)")
    record("test.read", actor=owner)  # creates the head row
    with CaptureQueriesContext(connection) as queries:
        event = record("test.read", actor=owner, case=7)
    assert len(queries.captured_queries) == 2, _statements(queries)
    assert queries.captured_queries[0]["sql"].startswith("BEGIN;")
    assert queries.captured_queries[1]["sql"].rstrip().endswith("COMMIT")
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash
    assert verify_chain().ok


def test_inside_a_transaction_the_append_joins_it_and_rolls_back_with_it(owner):
    record("test.read", actor=owner)
    before = _head()
    with CaptureQueriesContext(connection) as queries, pytest.raises(ZeroDivisionError), transaction.atomic():
        record("test.write", actor=owner)
        1 / 0  # noqa: B018 - the caller's write fails after its event
    # PostgreSQL: the head's UPDATE, then the INSERT and the head's hash as one statement.
    appends = [s for s in _statements(queries) if "audit" in s or s.startswith("WITH")]
    assert len(appends) == (2 if connection.vendor == "postgresql" else 3), appends
    assert _head() == before
    assert not AuditEvent.objects.filter(action="test.write").exists()


def test_a_failure_after_the_head_was_taken_leaves_no_number_behind(owner):
    record("test.read", actor=owner)
    before = _head()
    # A date is not JSON: hashing fails after the head's number was reserved.
    with pytest.raises(TypeError):
        record("test.read", actor=owner, when=date(2026, 12, 31))
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert _head() == before  # rolled back: the head row is free again and kept its number
    after = record("test.read", actor=owner)
    assert after.seq == before[0] + 1
    assert verify_chain().ok


def test_a_database_error_in_the_insert_rolls_back_the_head(owner):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce the column length this test overflows")
    record("test.read", actor=owner)
    before = _head()
    with pytest.raises(DataError):
        record("x" * 61, actor=owner)  # longer than the action column (60)
    assert _head() == before
    assert not AuditEvent.objects.filter(seq=before[0] + 1).exists()
    assert record("test.read", actor=owner).seq == before[0] + 1
    assert verify_chain().ok

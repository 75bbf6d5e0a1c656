"""Writing and verifying the audit chain. ``record`` is the only way events are written.

Events are chained with HMAC-SHA256 under the audit key (chain version 2) once the key file holds
one; earlier events keep their plain SHA-256 (version 1). ``verify_chain`` accepts unkeyed events
only before the first keyed one, and, when a key is configured, requires the head to be keyed:
a chain rewritten and re-hashed with SHA-256 by someone who can write the database but does not
have the key file is detected. A truncated tail (the newest events deleted, the head row moved
back) is caught by checkpoints written outside the database (``anchor`` / ``verify_anchors``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import sql
from django.utils import timezone

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


KEYED = 2
UNKEYED = 1


def _canonical(event: AuditEvent) -> str:
    fields = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "counselee_id": event.counselee_id,
        "address": event.address,
        "detail": event.detail,
    }
    if event.chain != UNKEYED:
        fields["chain"] = event.chain  # a keyed event cannot be relabelled as unkeyed without breaking it
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def _audit_key() -> bytes | None:
    from jalin.core.crypto import keyring

    return keyring.audit_key


def _digest(prev_hash: str, event: AuditEvent, key: bytes | None = None) -> str:
    message = (prev_hash + _canonical(event)).encode()
    if event.chain == KEYED:
        if key is None:
            raise ValueError("a keyed audit event needs the audit key")
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def client_address(request) -> str:
    from jalin.core.network import client_ip

    return client_ip(request)[:64]


# Detail added to every event recorded while it is set: the API puts the id of the token a request
# came with here (``api_token``, never its secret), so writes recorded deep inside the services carry it.
_bound_detail: ContextVar[dict | None] = ContextVar("jalin_audit_bound_detail", default=None)


@contextmanager
def bound_detail():
    """Yield a dict whose entries are added to every event recorded inside the block (short codes/ids)."""
    holder: dict = {}
    reset = _bound_detail.set(holder)
    try:
        yield holder
    finally:
        _bound_detail.reset(reset)


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    case_id: int | None = None,
    counselee_id: int | None = None,
    request=None,
    **detail,
) -> AuditEvent:
    """Append one event. Joins the caller's transaction, so a rolled-back write leaves no event.

    The chain's head row is the one lock every audited request shares, so it is held as briefly as
    possible: everything but the sequence number, the time and the link is prepared before it is taken;
    then one UPDATE … RETURNING takes the lock and reserves the next number, the event is hashed in
    memory, and the event's INSERT and the head's new hash finish (one statement on PostgreSQL). Callers
    append their events last in their transaction, because the lock lasts until that transaction commits.
    Outside a transaction (an audited read) on PostgreSQL the whole append is two round trips
    (``_append_in_two_round_trips``).
    """
    bound = _bound_detail.get()
    if bound:
        detail = {**bound, **detail}
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None and obj.pk is not None else ""
    for value in detail.values():
        # Guard against content slipping in: only short codes, ids, numbers and booleans.
        if isinstance(value, str) and len(value) > 80:
            raise ValueError("audit detail values must be short codes, not content")
    key = _audit_key()
    authenticated = actor is not None and actor.is_authenticated
    event = AuditEvent(
        actor=actor if authenticated else None,
        actor_label=actor.get_username() if authenticated else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        counselee_id=counselee_id,
        address=client_address(request),
        detail=detail,
        chain=KEYED if key is not None else UNKEYED,
    )
    if _append_in_two_round_trips(event, key):
        return event
    # No savepoint: a failed append fails the caller's whole transaction anyway, and a savepoint's
    # RELEASE would be one more round trip while the head is locked.
    with transaction.atomic(savepoint=False):
        event.seq, event.prev_hash = _take_head()
        event.at = timezone.now()  # under the lock, so that time follows the sequence
        event.hash = _digest(event.prev_hash, event, key)
        _insert_and_move_head(event)
    return event


def _take_head() -> tuple[int, str]:
    """Lock the head row and reserve the next sequence number: (seq, previous event's hash)."""
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(_take_head_sql())
            row = cursor.fetchone()
            if row is not None:
                return int(row[0]), row[1]
            AuditHead.objects.get_or_create(pk=1)  # the very first event of a new database
    raise RuntimeError("the audit chain's head row could not be created")


def _take_head_sql() -> str:
    table = connection.ops.quote_name(AuditHead._meta.db_table)
    return f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash"


def _insert_sql(event: AuditEvent) -> tuple[str, tuple]:
    """The event's INSERT as Django would write it (same columns, same value adaptation), returning its id."""
    query = sql.InsertQuery(AuditEvent)
    query.insert_values([f for f in AuditEvent._meta.local_concrete_fields if not f.primary_key], [event])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [AuditEvent._meta.pk]
    [(statement, params)] = compiler.as_sql()
    return statement, tuple(params)


def _move_head_sql(event: AuditEvent) -> tuple[str, tuple]:
    """On PostgreSQL: the event's INSERT and the head's new hash in one statement (one round trip)."""
    insert, params = _insert_sql(event)
    table = connection.ops.quote_name(AuditHead._meta.db_table)
    statement = (f"WITH appended AS ({insert}) UPDATE {table} SET last_hash = %s WHERE id = 1 "
                 "RETURNING (SELECT id FROM appended)")
    return statement, (*params, event.hash)


def _insert_and_move_head(event: AuditEvent) -> None:
    if connection.vendor != "postgresql":  # SQLite: no INSERT inside WITH; in-process, so no round trips
        event.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(last_hash=event.hash)
        return
    statement, params = _move_head_sql(event)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        event.pk = cursor.fetchone()[0]
    event._state.adding, event._state.db = False, connection.alias


def _append_in_two_round_trips(event: AuditEvent, key: bytes | None) -> bool:
    """An audited read outside any transaction, on PostgreSQL: append in two round trips instead of five.

    Through Django it would be BEGIN, the head's UPDATE, the INSERT, the head's hash, COMMIT: five
    wake-ups of the database on every page, three of them with the head locked. Here the transaction is
    opened with the head's UPDATE ("BEGIN; UPDATE …") and closed with the INSERT and the head's hash
    ("WITH … INSERT … UPDATE …; COMMIT"): each a single query string on the simple query protocol, which
    Django's default client-side-binding cursor uses. Anything that fails in between rolls back, so the
    outcome is the same as the transaction.atomic() path: the event and its number are kept, or neither.
    Returns False (nothing done) where this does not apply: SQLite, inside a transaction, server-side
    binding, or a database whose head row does not exist yet.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block or not connection.get_autocommit() \
            or connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is True:
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:  # the project requires psycopg 3; with psycopg2 Django's own path is taken
        return False
    from psycopg.pq import TransactionStatus

    connection.ensure_connection()
    if connection.connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    with connection.cursor() as cursor:
        open_transaction = True  # from the first statement on, until COMMIT has gone through
        try:
            cursor.execute("BEGIN; " + _take_head_sql())
            cursor.nextset()  # past BEGIN's result to the head's row
            row = cursor.fetchone()
            if row is None:  # a new database: let the generic path create the head row
                cursor.execute("ROLLBACK")
                return False
            event.seq, event.prev_hash = int(row[0]), row[1]
            event.at = timezone.now()  # under the lock, so that time follows the sequence
            event.hash = _digest(event.prev_hash, event, key)
            statement, params = _move_head_sql(event)
            cursor.execute(statement + "; COMMIT", params)
            open_transaction = False
            event.pk = cursor.fetchone()[0]
        except BaseException:
            if open_transaction:  # also when a statement failed: the rest of its query string was skipped
                _roll_back_quietly(cursor)
            raise
    event._state.adding, event._state.db = False, connection.alias
    return True


def _roll_back_quietly(cursor) -> None:
    try:
        cursor.execute("ROLLBACK")
    except Exception:  # noqa: BLE001 - a broken connection: the server rolls back when it closes
        connection.close_if_unusable_or_obsolete()


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS
    unkeyed: int = 0  # events from before the audit key (chain version 1)
    keyed: bool = False  # whether an audit key was configured for the check
    anchors: int = 0
    warnings: list[str] = field(default_factory=list)


def verify_chain() -> ChainReport:
    """Walk the chain from the start; report the first event whose hash or link does not hold."""
    key = _audit_key()
    prev = GENESIS
    expected_seq = 1
    checked = unkeyed = 0
    seen_keyed = False
    last_chain = None
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainReport(False, checked, event.seq, f"sequence gap: expected {expected_seq}", prev)
        if event.prev_hash != prev:
            return ChainReport(False, checked, event.seq, "link to previous event broken", prev)
        if event.chain not in (UNKEYED, KEYED):
            return ChainReport(False, checked, event.seq, f"unknown chain version {event.chain}", prev)
        if event.chain == UNKEYED and seen_keyed:
            return ChainReport(False, checked, event.seq, "unkeyed event after keyed ones: the chain was rewritten",
                               prev)
        if event.chain == KEYED and key is None:
            return ChainReport(False, checked, event.seq, "the chain is keyed but no audit key is configured "
                               "(JALIN_KEY_FILE / JALIN_AUDIT_KEY)", prev)
        if not hmac.compare_digest(_digest(prev, event, key), event.hash):
            return ChainReport(False, checked, event.seq, "event content does not match its hash", prev)
        seen_keyed = seen_keyed or event.chain == KEYED
        unkeyed += event.chain == UNKEYED
        last_chain = event.chain
        prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_seq != checked:
        return ChainReport(False, checked, checked + 1, "events missing at the end of the chain", prev)
    if key is not None and last_chain == UNKEYED:
        return ChainReport(False, checked, checked, "the newest event is not keyed although an audit key is "
                           "configured: the chain may have been re-hashed without the key", prev, unkeyed, True)
    report = ChainReport(True, checked, head_hash=prev, unkeyed=unkeyed, keyed=key is not None)
    if key is None:
        report.warnings.append("no audit key: the chain is plain SHA-256, which anyone who can write the "
                               "database can recompute (run `jalin keys rotate` or set JALIN_AUDIT_KEY)")
    return report


def mark_keyed() -> AuditEvent | None:
    """Once an audit key exists, make sure the chain's newest event is keyed (an upgrade from unkeyed).

    Called at every checked start (jalin serve, worker, demo) and after key commands, so a legitimate
    chain is never left with an unkeyed head while a key is configured.
    """
    if _audit_key() is None:
        return None
    last = AuditEvent.objects.order_by("-seq").only("chain").first()
    if last is None or last.chain == KEYED:
        return None
    return record("audit.keyed")


# --- checkpoints outside the database --------------------------------------------------------

def _sign(fields: dict, key: bytes) -> str:
    message = b"jalin-audit-anchor:" + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint() -> dict:
    """A signed statement of the chain's head now: the event count, the head's seq and hash."""
    key = _audit_key()
    if key is None:
        raise ValueError("no audit key: create one with `jalin keys rotate` or set JALIN_AUDIT_KEY")
    head = AuditEvent.objects.order_by("-seq").first()
    fields = {"at": timezone.now().isoformat(), "seq": head.seq if head else 0,
              "hash": head.hash if head else GENESIS, "count": AuditEvent.objects.count()}
    return {**fields, "sig": _sign(fields, key)}


def verify_anchors(lines) -> tuple[int, str]:
    """Check signed checkpoints against the chain. Returns (number checked, problem or "")."""
    key = _audit_key()
    if key is None:
        return 0, "no audit key to check the checkpoints' signatures"
    checked = 0
    for number, line in enumerate(lines, start=1):
        text = line.split("jalin-audit-checkpoint ", 1)[-1].strip()
        if not text:
            continue
        try:
            anchor = json.loads(text)
            fields = {k: anchor[k] for k in ("at", "seq", "hash", "count")}
            signature = anchor["sig"]
        except (ValueError, KeyError, TypeError):
            return checked, f"checkpoint line {number} is not a Jalin checkpoint"
        if not hmac.compare_digest(_sign(fields, key), str(signature)):
            return checked, f"checkpoint line {number} has a bad signature"
        if fields["seq"]:
            event = AuditEvent.objects.filter(seq=fields["seq"]).only("hash").first()
            if event is None:
                return checked, (f"checkpoint line {number}: event {fields['seq']} is gone "
                                 "(the chain was truncated)")
            if not hmac.compare_digest(event.hash, fields["hash"]):
                return checked, f"checkpoint line {number}: event {fields['seq']} was rewritten"
        checked += 1
    return checked, ""

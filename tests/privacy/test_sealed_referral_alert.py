"""Referral receivers and alert codes are sealed at rest, cleared by erasure, and sealed by the data
migration for rows written before (security review #14, item 10)."""

from __future__ import annotations

import importlib
from datetime import date
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from jalin.cases import services as case_services
from jalin.cases.models import Referral
from jalin.measures import services as measures
from jalin.measures.models import Alert
from jalin.privacy import services
from tests import factories
from tests.privacy.helpers import request

pytestmark = pytest.mark.django_db

RECEIVER = ("dr. Wahyu Prasetyo-RCV-404", "RSJ Menur-INS-505", "psikiater-EXP-606")


def _referral(case, owner) -> Referral:
    referral = Referral(case=case, date=date(2026, 5, 4), receiver_name=RECEIVER[0],
                        receiver_institution=RECEIVER[1], receiver_expertise=RECEIVER[2], external=True,
                        reason="alasan", efforts="upaya", counselee_consent=True, guardian_consent=True,
                        head_permission=True)
    return case_services.refer_case(referral, actor=owner, expected_version=None)


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")
        return [row[0] for row in cursor.fetchall()]


def _critical_alert(case, owner) -> Alert:
    measures.record_administration(case, instrument_code="phq9", lang="id", actor=owner,
                                   answers={str(i): 3 for i in range(1, 10)})
    return Alert.objects.filter(case=case, severity="critical").first()


def test_receiver_and_alert_code_are_sealed_at_rest(owner, case):
    referral = _referral(case, owner)
    assert Referral.objects.get(pk=referral.pk).receiver_name == RECEIVER[0]
    raw = repr([_raw("cases_referral", c) for c in ("receiver_name", "receiver_institution", "receiver_expertise")])
    for text in RECEIVER:
        assert text not in raw
    case2 = factories.make_case(owner)
    alert = _critical_alert(case2, owner)
    assert alert is not None and alert.code
    codes = _raw("measures_alert", "code")
    assert codes and all(code.startswith("jenc1:") for code in codes)
    assert alert.code not in repr(list(django_apps.get_model("audit", "AuditEvent").objects.values_list("detail")))


def test_anonymising_erasure_clears_receiver_and_alert_code(owner, case):
    referral = _referral(case, owner)
    alert = _critical_alert(factories.make_case(owner, case.counselee), owner)
    dsr = request(case.counselee, owner, kind="erasure")
    services.erase_counselee(dsr, actor=owner, mode="anonymise")
    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.receiver_name, referral.receiver_institution, referral.receiver_expertise) == ("", "", "")
    assert Alert.objects.get(pk=alert.pk).code == ""


def test_raising_the_same_alert_twice_keeps_one(owner, case):
    first = measures.raise_alert(case, code="risk_self", severity="critical", reason_id="r", reason_en="r",
                                 source="transcript", source_ref="t1:u2")
    again = measures.raise_alert(case, code="risk_self", severity="critical", reason_id="r", reason_en="r",
                                 source="transcript", source_ref="t1:u2")
    other = measures.raise_alert(case, code="risk_others", severity="critical", reason_id="r", reason_en="r",
                                 source="transcript", source_ref="t1:u2")
    assert first.pk == again.pk != other.pk


@pytest.mark.parametrize("module,table,columns", [
    ("jalin.cases.migrations.0002_encrypt_referral_receiver", "cases_referral",
     ("receiver_name", "receiver_institution", "receiver_expertise")),
    ("jalin.measures.migrations.0003_encrypt_alert_code", "measures_alert", ("code",)),
])
def test_data_migration_seals_rows_written_in_plaintext(owner, case, module, table, columns):
    referral = _referral(case, owner)
    alert = _critical_alert(factories.make_case(owner), owner)
    row_id = referral.pk if table == "cases_referral" else alert.pk
    plain = {c: f"polos-{c}" for c in columns}
    with connection.cursor() as cursor:  # as the row was stored before this migration
        for column, value in plain.items():
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, row_id])
    migration = importlib.import_module(module)
    editor = SimpleNamespace(connection=connection)  # the data step only uses the editor's connection
    migration.seal(django_apps, editor)
    for column, value in plain.items():
        assert all(raw.startswith("jenc1:") for raw in _raw(table, column))
    model = Referral if table == "cases_referral" else Alert
    row = model.objects.get(pk=row_id)
    assert {c: getattr(row, c) for c in columns} == plain
    migration.unseal(django_apps, editor)
    for column, value in plain.items():
        assert value in _raw(table, column)

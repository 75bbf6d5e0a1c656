from datetime import date

import pytest

from jalin.privacy.models import Consent
from tests import factories

TEXT = ("Konselor: Selamat pagi, silakan duduk. Apa yang ingin kamu ceritakan hari ini?\n"
        "Konseli: Saya bingung bu, nilai saya turun terus.\n"
        "Konselor: Kamu merasa cemas karena nilaimu turun.\n"
        "Konseli: Iya bu, kadang saya ingin mati saja.\n"
        "Konselor: Bagaimana kalau kamu belajar lebih rajin?\n"
        "Konseli: Tidak tahu bu.\n")


def give_recording_consent(counselee, actor, *, viewers="supervisor"):
    """Recording consent (and a guardian's for a minor), recorded through the privacy service."""
    from jalin.privacy.services import record_consent

    kinds = ["recording"] + (["guardian"] if counselee.is_minor else [])
    for kind in kinds:
        record_consent(counselee, actor=actor, data={
            "kind": kind, "given_on": date(2026, 11, 1), "method": Consent.Method.SIGNED_FORM,
            "viewers": viewers if kind == "recording" else "", "given_by_name": "Wali Contoh"})


@pytest.fixture
def session(case, owner):
    return factories.add_session(case, owner)


@pytest.fixture
def consented(session, owner):
    give_recording_consent(session.case.counselee, owner)
    return session

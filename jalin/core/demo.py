"""Demo data that tells a believable story: a guru BK's caseload in a junior high school.

All people are invented. Everything is written through the services, so the demo's history,
events and audit chain look exactly like real use.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jalin.accounts.models import Organisation, SupervisorAssignment, User
from jalin.cases import services
from jalin.cases.models import ActionStep, Appointment, CaseConference, FollowUp, HomeVisit

DEMO_USERS = [
    # username, first, last, role, trainee
    ("rina", "Rina", "Wulandari", User.Role.COUNSELOR, False),
    ("dedi", "Dedi", "Kurniawan", User.Role.COUNSELOR, True),
    ("sari", "Sari", "Handayani", User.Role.SUPERVISOR, False),
    ("admin", "Admin", "Sekolah", User.Role.ADMIN, False),
]


def login_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-login.txt"


def demo_password() -> str:
    """One password for the demo accounts, kept in the data directory (0600) so it can be printed again."""
    path = login_file()
    if path.exists():
        return path.read_text().strip()
    password = "jalin-" + secrets.token_urlsafe(9)
    path.write_text(password)
    path.chmod(0o600)
    return password


def _day(offset: int):
    return timezone.localdate() + timedelta(days=offset)


def _at(offset_days: int, hour: int, minute: int = 0):
    return timezone.make_aware(datetime.combine(_day(offset_days), time(hour, minute)))


# Appointments must lie in the future (save_appointment refuses the past), so the demo books them
# relative to the moment it is loaded: it must start at any hour, on any day of the year.
MIN_LEAD = timedelta(minutes=30)
SCHOOL_DAY_END = time(15, 0)


def _upcoming(hour: int, minute: int = 0, *, days_ahead: int = 0):
    """The first ``hour:minute`` on or after ``days_ahead`` days from today that is still ahead of us."""
    offset = days_ahead
    while _at(offset, hour, minute) < timezone.now() + MIN_LEAD:
        offset += 1
    return _at(offset, hour, minute)


def _soon(hours_ahead: int = 1, *, otherwise: tuple[int, int] = (10, 0)):
    """Later today on the hour, within school hours if they are not over, otherwise the next morning.

    Gives the dashboard a "today" appointment during the school day without ever booking the past."""
    now = timezone.localtime()
    candidate = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours_ahead + 1)
    if candidate.date() == now.date() and time(7, 0) <= candidate.time() <= SCHOOL_DAY_END:
        return candidate
    return _upcoming(*otherwise, days_ahead=1)


def _session_start(session):
    """When a session took place: its date and start time (the demo's measures are dated with it)."""
    return timezone.make_aware(datetime.combine(session.date, session.start_time or time(9, 0)))


def _session(case, actor, offset, stage, **notes):
    return services.record_session(case, actor=actor, data={
        "date": _day(offset), "start_time": time(9, 30), "duration_minutes": 45, "mode": "in_person",
        "stage_reached": stage, **notes})


def _contract(case, actor, offset, sessions=4):
    services.agree_contract(case, actor=actor, data={
        "sessions_planned": sessions, "minutes_per_session": 45, "period_start": _day(offset),
        "period_end": _day(offset + 7 * sessions), "agreed_on": _day(offset),
        "counselor_tasks": "Mendengarkan, membantu memperjelas masalah, menjaga kerahasiaan.",
        "counselee_tasks": "Hadir tepat waktu, terbuka, mencoba langkah yang disepakati.",
        "collaboration": "Bertemu setiap minggu di ruang BK; boleh meminta jadwal ulang lewat wali kelas.",
        "change_note": ""})


def _define(case, actor, problem):
    services.update_case(case, actor=actor, data={"problem_definition": problem}, expected_version=None)


@transaction.atomic
def load_demo() -> dict:
    if User.objects.filter(username="rina").exists():
        return {"created": False, "password": demo_password()}
    org = Organisation.objects.create(name="SMP Harapan Bangsa (demo)", kind=Organisation.Kind.SCHOOL,
                                      head_title="Kepala Sekolah", require_admin_2fa=False)
    password = demo_password()
    users = {}
    for username, first, last, role, trainee in DEMO_USERS:
        user = User(username=username, first_name=first, last_name=last, role=role, is_trainee=trainee,
                    organisation=org)
        user.set_password(password)
        user.save()
        users[username] = user
    SupervisorAssignment.objects.create(supervisor=users["sari"], supervisee=users["dedi"], programme="PPL BK 2026")
    rina = users["rina"]

    def counselee(name, year, gender, klass, guardian):
        return services.create_counselee(actor=rina, data={
            "name": name, "birth_year": year, "gender": gender, "affiliation": klass, "contact": "",
            "is_minor": True, "guardian_name": guardian, "guardian_contact": "0800-0000-0000"})

    # 1. A new case, sent by the homeroom teacher for truancy: still in the initial stage.
    dimas = counselee("Dimas P.", 2012, "m", "VIII B", "Ibu Dimas (invented)")
    case1 = services.open_case(actor=rina, counselee=dimas, data={
        "area": "belajar", "came_via": "teacher", "opened_on": _day(-3),
        "reported_by": "Wali kelas VIII B",
        "description": "Sering terlambat dan dua kali membolos minggu ini; wali kelas meminta bantuan BK."})
    _session(case1, rina, -2, "awal", notes_awal="Rapport dibangun lewat obrolan tentang sepak bola. "
             "Dimas menjelaskan 'cuma disuruh wali kelas'. Kerahasiaan dijelaskan.")
    services.set_task(case1, "rapport", True, actor=rina)
    services.set_task(case1, "confidentiality", True, actor=rina)
    services.save_appointment(Appointment(case=case1, starts_at=_soon(), duration_minutes=40), actor=rina)

    # 2. Exam anxiety, working stage: contract agreed, problem explored.
    ayu = counselee("Ayu L.", 2011, "f", "IX A", "Bapak Ayu (invented)")
    case2 = services.open_case(actor=rina, counselee=ayu, data={
        "area": "pribadi", "came_via": "self", "opened_on": _day(-20),
        "description": "Cemas menjelang ujian, sulit tidur, takut mengecewakan orang tua."})
    _session(case2, rina, -20, "awal", notes_awal="Ayu datang sendiri. Strukturisasi dan kontrak 4 sesi.")
    for task in ("rapport", "structuring", "confidentiality"):
        services.set_task(case2, task, True, actor=rina)
    _define(case2, rina, "Kecemasan ujian yang mengganggu tidur dan konsentrasi belajar.")
    _contract(case2, rina, -20)
    services.change_stage(case2, "inti", actor=rina, expected_version=None)
    _session(case2, rina, -13, "inti", notes_inti="Eksplorasi: tekanan dari harapan orang tua; pikiran "
             "'kalau gagal semuanya sia-sia'.")
    services.set_task(case2, "exploration", True, actor=rina)
    services.save_appointment(Appointment(case=case2, starts_at=_upcoming(13, days_ahead=2), duration_minutes=45),
                              actor=rina)

    # 3. Conflict with parents, final stage: ready to close once the evaluation is in.
    raka = counselee("Raka S.", 2011, "m", "IX C", "Ibu Raka (invented)")
    case3 = services.open_case(actor=rina, counselee=raka, data={
        "area": "sosial", "came_via": "parents", "opened_on": _day(-35),
        "description": "Sering bertengkar dengan ayah soal waktu bermain game."})
    _session(case3, rina, -35, "awal")
    for task in ("rapport", "structuring", "confidentiality"):
        services.set_task(case3, task, True, actor=rina)
    _define(case3, rina, "Konflik dengan ayah tentang aturan bermain game dan jam belajar.")
    _contract(case3, rina, -35, sessions=3)
    services.change_stage(case3, "inti", actor=rina, expected_version=None)
    _session(case3, rina, -28, "inti", notes_inti="Raka melihat sudut pandang ayahnya; dua alternatif dibahas.")
    for task in ("exploration", "alternatives"):
        services.set_task(case3, task, True, actor=rina)
    services.change_stage(case3, "akhir", actor=rina, expected_version=None)
    _session(case3, rina, -7, "akhir", notes_akhir="Kesimpulan dan rencana jadwal game disepakati.",
             eval_understanding="Raka paham ayahnya khawatir, bukan melarang.",
             eval_comfort="Merasa lega dan lebih tenang.",
             eval_action="Membuat jadwal bersama ayah dan mencobanya dua minggu.")
    services.update_case(case3, actor=rina, data={"conclusions": "Raka dan ayah sepakat membuat jadwal bersama."},
                         expected_version=None)
    services.save_action_step(ActionStep(case=case3, description="Menyusun jadwal game dan belajar bersama ayah",
                                         due_date=_day(-3), status="done"), actor=rina)
    services.save_action_step(ActionStep(case=case3, description="Mencoba jadwal selama dua minggu",
                                         due_date=_day(7), status="doing"), actor=rina)

    # 4. Closed and resolved; its LAIJAPEN follow-up is overdue.
    nadia = counselee("Nadia R.", 2012, "f", "VIII A", "Ibu Nadia (invented)")
    case4 = services.open_case(actor=rina, counselee=nadia, data={
        "area": "karier", "came_via": "self", "opened_on": _day(-60),
        "description": "Bingung memilih SMA atau SMK."})
    _session(case4, rina, -60, "awal")
    _define(case4, rina, "Bimbang memilih jalur sekolah lanjutan.")
    _contract(case4, rina, -60, sessions=2)
    services.change_stage(case4, "inti", actor=rina, expected_version=None)
    services.set_task(case4, "exploration", True, actor=rina)
    services.change_stage(case4, "akhir", actor=rina, expected_version=None)
    _session(case4, rina, -46, "akhir", eval_understanding="Tahu minatnya di desain grafis.",
             eval_comfort="Senang, tidak bingung lagi.", eval_action="Mengunjungi SMK saat open house.")
    services.update_case(case4, actor=rina, data={"conclusions": "Memilih SMK jurusan DKV."}, expected_version=None)
    services.save_action_step(ActionStep(case=case4, description="Datang ke open house SMK", due_date=_day(-40),
                                         status="done"), actor=rina)
    services.close_case(case4, actor=rina, expected_version=None, closure_reason="resolved")
    services.save_follow_up(FollowUp(case=case4, due_date=_day(-5)), actor=rina)

    # 5. Persistent resistance heading to referral: summoned, defensive, risk of dropping out.
    bima = counselee("Bima A.", 2010, "m", "IX D", "Paman Bima (invented)")
    case5 = services.open_case(actor=rina, counselee=bima, data={
        "area": "pribadi", "came_via": "summoned", "opened_on": _day(-30),
        "reported_by": "Guru mata pelajaran",
        "description": "Sering marah di kelas, menolak bicara; nilai turun tajam sejak semester lalu."})
    _session(case5, rina, -30, "awal", notes_awal="Bima menjawab 'bukan urusan Ibu'. Asas kesukarelaan dijelaskan.")
    services.set_task(case5, "rapport", True, actor=rina)
    _define(case5, rina, "Ledakan marah dan menarik diri; kemungkinan masalah di rumah.")
    _contract(case5, rina, -30)
    services.change_stage(case5, "inti", actor=rina, expected_version=None)
    _session(case5, rina, -23, "inti", notes_inti="Diam lama, 'terserah'. Topik dialihkan ke musik; sedikit terbuka.")
    _session(case5, rina, -9, "inti", notes_inti="Resistensi menetap; menyebut ayah jarang pulang. "
             "Perlu asesmen psikolog.")
    services.save_home_visit(HomeVisit(case=case5, date=_day(-14), people_met="Paman (wali)",
                                       purpose="Memahami situasi rumah", findings="Ayah bekerja di luar kota; "
                                       "Bima tinggal dengan paman.", follow_up="Konferensi kasus"), actor=rina)
    services.save_conference(CaseConference(case=case5, date=_day(-8), participants="Guru BK, wali kelas, wakasek "
                             "kesiswaan", data_presented="Catatan sesi (ringkas), nilai, kunjungan rumah",
                             minutes="Dibahas secara tertutup.", decisions="Pertimbangkan alih tangan kasus ke "
                             "psikolog.", participants_bound_to_confidentiality=True), actor=rina)
    services.save_appointment(Appointment(case=case5, starts_at=_soon(hours_ahead=3, otherwise=(13, 30)), duration_minutes=45), actor=rina)

    # A trainee's case, for the supervisor view.
    fajar = services.create_counselee(actor=users["dedi"], data={
        "name": "Fajar T.", "birth_year": 2011, "gender": "m", "affiliation": "IX B", "contact": "",
        "is_minor": True, "guardian_name": "Ibu Fajar (invented)", "guardian_contact": ""})
    case6 = services.open_case(actor=users["dedi"], counselee=fajar, data={
        "area": "belajar", "came_via": "self", "opened_on": _day(-6), "description": "Kesulitan matematika."})
    _session(case6, users["dedi"], -5, "awal")
    services.grant_access(case6, actor=users["dedi"], user=users["sari"], purpose="supervision", days=90)
    _demo_measures(rina, case2, case5)
    _demo_transcript(rina, case2)
    return {"created": True, "password": password, "cases": [case1.pk, case2.pk, case3.pk, case4.pk, case5.pk]}


def _demo_measures(rina, case_anxiety, case_resistant) -> None:
    """A course of measures: Ayu's GAD-7 improves; Bima's PHQ-9 worsens reliably and alliance drops."""
    from jalin.measures import services as measures
    from jalin.measures.models import MeasureSchedule

    measures.save_schedule(MeasureSchedule(case=case_anxiety, instrument="gad7", when="before", every=1,
                                           no_improvement_after=4), actor=rina)
    measures.save_schedule(MeasureSchedule(case=case_anxiety, instrument="laiseg", when="after", every=1),
                           actor=rina)
    measures.save_schedule(MeasureSchedule(case=case_resistant, instrument="alliance_jalin", when="after",
                                           every=2), actor=rina)
    sessions = list(case_anxiety.sessions.order_by("number"))
    for session, answers in zip(sessions, [[2, 2, 3, 2, 1, 2, 2], [1, 2, 2, 1, 1, 1, 1]], strict=False):
        measures.record_administration(case_anxiety, instrument_code="gad7", lang="id", answers=answers,
                                       actor=rina, session=session,
                                       administered_at=_session_start(session))
    sessions = list(case_resistant.sessions.order_by("number"))
    for session, answers in zip(sessions, [[1, 1, 2, 1, 1, 1, 1, 1, 0], [2, 2, 2, 2, 2, 2, 2, 1, 0],
                                           [2, 3, 2, 2, 2, 3, 2, 2, 0]], strict=False):
        measures.record_administration(case_resistant, instrument_code="phq9", lang="id", answers=answers,
                                       actor=rina, session=session,
                                       administered_at=_session_start(session))
    for session, answers in zip(sessions[::2], [[4, 4, 4, 3, 4, 4], [3, 2, 3, 2, 3, 3]], strict=False):
        measures.record_administration(case_resistant, instrument_code="alliance_jalin", lang="id",
                                       answers=answers, actor=rina, session=session,
                                       administered_at=_session_start(session))


DEMO_VERBATIM = """Konselor: Selamat siang, Ayu. Silakan duduk. Bagaimana ujian praktik kemarin?
Konseli: Lumayan Bu, tapi saya deg-degan terus.
Konselor: Kita punya waktu sekitar 40 menit seperti biasa. Yang kita bicarakan tetap rahasia, ya.
Konseli: Iya Bu.
Konselor: Minggu lalu kamu cerita soal susah tidur menjelang ujian. Bagaimana minggu ini?
Konseli: Masih Bu. Tiap malam kepikiran kalau nilainya jelek, nanti Bapak kecewa.
Konselor: Kedengarannya kamu sangat cemas, dan yang paling berat justru takut mengecewakan Bapak.
Konseli: Iya Bu... sebenarnya Bapak nggak pernah marah sih. Saya aja yang mikir terus.
Konselor: Hmm.
Konseli: Kadang saya mikir, kalau saya gagal semuanya sia-sia.
Konselor: Tadi kamu bilang Bapak tidak pernah marah, tapi kamu yakin sekali beliau akan kecewa. Menurutmu dari mana keyakinan itu datang?
Konseli: Mungkin dari saya sendiri ya Bu. Saya yang pengen sempurna.
Konselor: Itu pemahaman yang penting, Ayu. Butuh keberanian untuk melihatnya.
Konseli: Terus saya harus gimana Bu?
Konselor: Coba kita pikirkan bersama. Apa saja yang bisa kamu lakukan kalau pikiran itu datang malam hari?
Konseli: Mungkin nulis di buku dulu, terus ngobrol sama Bapak soal ujian.
Konselor: Jadi ada dua langkah: menulis pikiranmu sebelum tidur, dan bicara dengan Bapak minggu ini. Mana yang mau kamu coba dulu?
Konseli: Ngobrol sama Bapak hari Sabtu Bu.
Konselor: Sebelum kita tutup, apa yang kamu pahami hari ini, dan bagaimana perasaanmu sekarang?
Konseli: Saya jadi ngerti takutnya dari saya sendiri. Sekarang lebih lega Bu.
Konselor: Kita bertemu lagi Kamis depan jam satu siang untuk melihat hasilnya, bagaimana?
Konseli: Baik Bu, terima kasih.
"""


def _demo_transcript(rina, case_anxiety) -> None:
    """Consent to record, then a verbatim on Ayu's second session, queued for the demo's worker."""
    from jalin.practice import services as practice
    from jalin.privacy import services as privacy

    for kind, given_by in (("processing", "counselee"), ("recording", "counselee"), ("guardian", "guardian")):
        privacy.record_consent(case_anxiety.counselee, actor=rina, data={
            "kind": kind, "given_by": given_by, "given_on": _day(-20), "method": "signed_form",
            "given_by_name": "Bapak Ayu (invented)" if given_by == "guardian" else "",
            "scope": "Transkrip sesi" if kind == "recording" else "", "retention_days": 365 if kind == "recording"
            else None, "viewers": "supervisor" if kind == "recording" else ""})
    session = case_anxiety.sessions.order_by("-number").first()
    practice.attach_transcript(session, actor=rina, text=DEMO_VERBATIM, filename="verbatim-sesi-2.txt")

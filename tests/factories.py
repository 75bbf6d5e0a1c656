"""Invented people and cases for tests. Writes go through the services, as in real use."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from jalin.accounts.models import Organisation, SupervisorAssignment, User
from jalin.cases import services

PASSWORD = "test-pass-Xy9!long"


def make_org(name="SMA Contoh") -> Organisation:
    return Organisation.objects.create(name=name, require_admin_2fa=False)


def make_user(username, *, role=User.Role.COUNSELOR, org=None, trainee=False) -> User:
    user = User(username=username, role=role, organisation=org, is_trainee=trainee, first_name=username.title())
    user.set_password(PASSWORD)
    user.save()
    return user


def make_counselee(owner, *, name="Budi Contoh", minor=True):
    return services.create_counselee(actor=owner, data={
        "name": name, "birth_year": 2010 if minor else 1990, "gender": "m", "affiliation": "X IPA 1", "contact": "0800-1111",
        "is_minor": minor, "guardian_name": "Wali Contoh" if minor else "", "guardian_contact": ""})


def make_case(owner, counselee=None, **data):
    counselee = counselee or make_counselee(owner)
    fields = {"area": "pribadi", "came_via": "self", "description": "Deskripsi rahasia uji"}
    fields.update(data)
    return services.open_case(actor=owner, counselee=counselee, data=fields)


def add_session(case, actor, *, stage="awal", evaluation=False, days_ago=1):
    data = {"date": timezone.localdate() - timedelta(days=days_ago), "start_time": time(9, 0),
            "duration_minutes": 45, "mode": "in_person", "stage_reached": stage,
            "notes_awal": "catatan awal rahasia"}
    if evaluation:
        data.update(eval_understanding="paham", eval_comfort="lega", eval_action="mencoba")
    return services.record_session(case, actor=actor, data=data)


def add_contract(case, actor):
    today = timezone.localdate()
    return services.agree_contract(case, actor=actor, data={
        "sessions_planned": 4, "minutes_per_session": 45, "period_start": today,
        "period_end": today + timedelta(days=28), "counselor_tasks": "mendengar", "counselee_tasks": "hadir",
        "collaboration": "", "agreed_on": today, "change_note": ""})


def assign(supervisor, supervisee):
    return SupervisorAssignment.objects.create(supervisor=supervisor, supervisee=supervisee)

"""A district's volume of invented data for load tests (bench/load/): counselors, counselees, cases,
sessions and PHQ-9 administrations, all written through the services (encrypted and audited as in real
use). Refused in production mode. Example:

    jalin manage seed_volume --counselors 50 --cases 2000 --sessions-per-case 5 --phq9-per-case 2.5
"""

from __future__ import annotations

import random
from datetime import time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

PASSWORD = "muatan-uji-Jalin-2026"  # invented load-test accounts only; printed for the locust file


class Command(BaseCommand):
    help = "Create invented counselors, cases, sessions and PHQ-9 administrations through the services."

    def add_arguments(self, parser):
        parser.add_argument("--counselors", type=int, default=50)
        parser.add_argument("--cases", type=int, default=2000)
        parser.add_argument("--sessions-per-case", type=float, default=5.0)
        parser.add_argument("--phq9-per-case", type=float, default=2.5)
        parser.add_argument("--seed", type=int, default=16)
        parser.add_argument("--prefix", default="muat", help="user name prefix: muat001, muat002, …")

    def handle(self, *args, counselors, cases, sessions_per_case, phq9_per_case, seed, prefix, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_volume writes invented data: it refuses to run in production mode "
                               "(JALIN_MODE=production). Use a copy of the site for load tests.")
        for name, value in (("--counselors", counselors), ("--cases", cases)):
            if value < 1:
                raise CommandError(f"{name} must be at least 1 (got {value})")
        if sessions_per_case < 0 or phq9_per_case < 0:
            raise CommandError("--sessions-per-case and --phq9-per-case must not be negative")
        from jalin.accounts.models import Organisation, User
        from jalin.cases import services
        from jalin.measures.services import record_administration

        rng = random.Random(seed)
        org, _ = Organisation.objects.get_or_create(name=f"Dinas Pendidikan Uji ({prefix})",
                                                   defaults={"require_admin_2fa": False})
        users = []
        for n in range(1, counselors + 1):
            user = User.objects.filter(username=f"{prefix}{n:03d}").first()
            if user is None:
                user = User(username=f"{prefix}{n:03d}", role=User.Role.COUNSELOR, organisation=org,
                            first_name=f"Konselor Uji {n}")
                user.set_password(PASSWORD)
                user.save()
            users.append(user)
        today = timezone.localdate()
        made_sessions = made_phq9 = 0
        for n in range(cases):
            owner = users[n % len(users)]
            counselee = services.create_counselee(actor=owner, data={
                "name": f"Konseli Uji {n:05d}", "birth_year": 2008 + n % 6, "gender": "fm"[n % 2],
                "affiliation": f"Kelas {10 + n % 3}", "contact": "", "is_minor": True,
                "guardian_name": f"Wali Uji {n:05d}", "guardian_contact": ""})
            case = services.open_case(actor=owner, counselee=counselee, data={
                "area": rng.choice(["pribadi", "sosial", "belajar", "karier"]), "came_via": "self",
                "description": "Deskripsi kasus uji muatan"})
            count = int(sessions_per_case) + (rng.random() < sessions_per_case % 1)
            sessions = []
            for s in range(count):
                sessions.append(services.record_session(case, actor=owner, data={
                    "date": today - timedelta(days=7 * (count - s)), "start_time": time(9, 0),
                    "duration_minutes": 45, "mode": "in_person", "stage_reached": "awal",
                    "notes_awal": "Catatan sesi uji muatan"}))
            made_sessions += count
            phq9 = int(phq9_per_case) + (rng.random() < phq9_per_case % 1)
            for a in range(phq9):
                answers = {str(i): rng.choice([0, 0, 1, 1, 2, 3]) for i in range(1, 10)}
                if rng.random() > 0.03:
                    answers["9"] = 0  # a few item-9 answers raise the critical alert, as in real use
                record_administration(case, instrument_code="phq9", lang="id", answers=answers, actor=owner,
                                      session=sessions[a] if a < len(sessions) else None)
            made_phq9 += phq9
            if (n + 1) % 100 == 0:
                self.stdout.write(f"  {n + 1}/{cases} cases")
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {counselors} counselors ({prefix}001…, password {PASSWORD}), {cases} cases, "
            f"{made_sessions} sessions, {made_phq9} PHQ-9 administrations."))

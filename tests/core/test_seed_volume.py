"""The load-test volume generator writes through the services (encrypted, audited) and checks its input."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jalin.cases.models import Case, CounselingSession
from jalin.measures.models import Administration


@pytest.mark.django_db
def test_seed_volume_writes_through_the_services():
    call_command("seed_volume", "--counselors", "2", "--cases", "3", "--sessions-per-case", "2",
                 "--phq9-per-case", "1", stdout=StringIO())
    assert Case.objects.count() == 3 and CounselingSession.objects.count() == 6
    assert Administration.objects.count() == 3
    assert {c.counselor.username for c in Case.objects.all()} == {"muat001", "muat002"}
    with connection.cursor() as cursor:  # encrypted at rest, as in production
        cursor.execute("SELECT description FROM cases_case")
        assert all("uji muatan" not in row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_seed_volume_says_what_is_wrong():
    with pytest.raises(CommandError, match="--cases must be at least 1"):
        call_command("seed_volume", "--cases", "0")

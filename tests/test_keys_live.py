"""Keys beside running processes: rotation and retirement while another process writes, and the start-up
check that the key set opens the database (security review #14, items 1 and 6).

Each test runs real `jalin` processes on a SQLite file in its own data directory; a migrated database
is made once per module and copied.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _env(data_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "JALIN_ENCRYPTION_KEYS", "JALIN_KEY_FILE",
                        "DJANGO_ALLOW_ASYNC_UNSAFE"}}  # set by the browser tests; a deploy check refuses it
    env.update(JALIN_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="jalin.settings", PYTHONPATH=str(ROOT), **extra)
    return env


def jalin(data_dir: Path, *args, timeout=300, **extra):
    return subprocess.run([sys.executable, "-m", "jalin", *args], capture_output=True, text=True, cwd=ROOT,
                          env=_env(data_dir, **extra), timeout=timeout, check=False)


def python(data_dir: Path, code: str, **extra):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT,
                          env=_env(data_dir, **extra), timeout=300, check=False)


SEED = """
    import django
    django.setup()
    from jalin.accounts.models import Organisation, User
    from jalin.cases import services
    org = Organisation.objects.create(name="Sekolah Uji", require_admin_2fa=False)
    user = User.objects.create(username="guru", organisation=org)
    services.create_counselee(actor=user, data={"name": "Nama Awal"})
"""

READ_ALL = """
    import django
    django.setup()
    from jalin.cases.models import Counselee
    print(sorted(c.name for c in Counselee.objects.all()))
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """A migrated SQLite database with one counselee, sealed with the data directory's own key file."""
    base = tmp_path_factory.mktemp("seeded")
    migrated = jalin(base, "migrate", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    seeded = python(base, SEED)
    assert seeded.returncode == 0, seeded.stderr
    return base


@pytest.fixture
def data_dir(seeded, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(seeded, target)
    target.chmod(0o700)
    return target


LIVE_WRITER = """
    import sys
    import django
    django.setup()
    from jalin.accounts.models import User
    from jalin.cases import services
    user = User.objects.get(username="guru")
    for line in sys.stdin:
        services.create_counselee(actor=user, data={"name": line.strip()})
        print("written", flush=True)
"""


def test_rotate_and_retire_beside_a_live_writer_lose_nothing(data_dir):
    live = subprocess.Popen([sys.executable, "-c", textwrap.dedent(LIVE_WRITER)], cwd=ROOT, env=_env(data_dir),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        live.stdin.write("Sebelum Rotasi\n")
        live.stdin.flush()
        assert live.stdout.readline().strip() == "written", live.stderr.read()
        rotated = jalin(data_dir, "keys", "rotate")
        assert rotated.returncode == 0, rotated.stderr
        retired = jalin(data_dir, "keys", "retire")
        assert retired.returncode == 0, retired.stderr
        assert len(json.loads((data_dir / "keys.json").read_text())["keys"]) == 1
        live.stdin.write("Sesudah Pensiun\n")  # the live process still holds the retired key in memory
        live.stdin.flush()
        assert live.stdout.readline().strip() == "written", live.stderr.read()
    finally:
        live.stdin.close()
        live.wait(timeout=60)
    fresh = python(data_dir, READ_ALL)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.strip() == "['Nama Awal', 'Sebelum Rotasi', 'Sesudah Pensiun']"
    status = jalin(data_dir, "keys", "status")
    assert status.returncode == 0 and status.stdout.count(": ") == 1, status.stdout  # one key holds every value


def _replace_key_file(data_dir: Path) -> None:
    from jalin.core.crypto import new_key, write_key_file

    write_key_file(data_dir / "keys.json", [new_key()], audit_key=new_key())


PRODUCTION = {"JALIN_MODE": "production", "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "bk.example.org"}


def _production(data_dir: Path) -> dict:
    return {**PRODUCTION, "DATABASE_URL": f"sqlite:///{data_dir / 'jalin.sqlite3'}"}


def _one_line(stderr: str) -> str:
    """The refusal, as the only line besides Django's deployment warnings (HSTS and the like)."""
    warnings = ("System check identified", "WARNINGS:", "?: (security.")
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith(warnings)]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_serve_refuses_a_wrong_key_with_one_line(data_dir):
    _replace_key_file(data_dir)
    result = jalin(data_dir, "serve", "--bind", "127.0.0.1:1", **_production(data_dir))
    assert result.returncode == 2
    assert "do not open this database" in _one_line(result.stderr)


def test_serve_without_a_key_says_so_in_one_line(data_dir):
    (data_dir / "keys.json").unlink()
    result = jalin(data_dir, "serve", "--bind", "127.0.0.1:1", **_production(data_dir))
    assert result.returncode == 2
    assert "jalin.E001" in _one_line(result.stderr)


def test_worker_refuses_a_wrong_key_with_one_line(data_dir):
    _replace_key_file(data_dir)
    result = jalin(data_dir, "worker", "--once")
    assert result.returncode == 2
    assert "do not open this database" in _one_line(result.stderr)


def test_migrate_refuses_a_wrong_key_before_sealing_anything(data_dir):
    _replace_key_file(data_dir)
    result = jalin(data_dir, "migrate")
    assert result.returncode == 2
    assert "do not open this database" in _one_line(result.stderr)


def test_worker_with_the_right_key_starts(data_dir):
    result = jalin(data_dir, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "due tasks done" in result.stdout


def test_demo_never_creates_a_new_key_over_existing_data(data_dir):
    (data_dir / "keys.json").unlink()
    result = jalin(data_dir, "demo", "--no-server")
    assert result.returncode == 2
    assert "missing" in _one_line(result.stderr)
    assert not (data_dir / "keys.json").exists()
    fresh = python(data_dir, READ_ALL)  # nothing was written under a new key either
    assert fresh.returncode != 0 and "unknown encryption key" not in fresh.stdout


def test_demo_refuses_a_wrong_key_file(data_dir):
    _replace_key_file(data_dir)
    result = jalin(data_dir, "demo", "--no-server")
    assert result.returncode == 2
    assert "do not open this database" in _one_line(result.stderr)


def test_the_sentinel_is_checked_even_when_no_other_data_is_left(data_dir):
    assert jalin(data_dir, "worker", "--once").returncode == 0  # the first checked start writes the sentinel
    emptied = python(data_dir, """
        import django
        django.setup()
        from jalin.cases.models import Counselee
        Counselee.objects.all().delete()
    """)
    assert emptied.returncode == 0, emptied.stderr
    _replace_key_file(data_dir)
    result = jalin(data_dir, "worker", "--once")
    assert result.returncode == 2 and "do not open this database" in _one_line(result.stderr)


def test_sqlite_file_and_folder_are_private(data_dir, tmp_path):
    fresh = tmp_path / "fresh" / "data"
    result = jalin(fresh, "migrate", "-v", "0")
    assert result.returncode == 0, result.stderr
    assert oct(fresh.stat().st_mode)[-3:] == "700"
    for name in ("jalin.sqlite3", "keys.json", "secret_key"):
        if (fresh / name).exists():
            assert oct((fresh / name).stat().st_mode)[-3:] == "600", name
    assert (fresh / "jalin.sqlite3").stat().st_size > 0

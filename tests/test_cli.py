"""The `jalin` command: help, configuration errors that fail loudly, demo set-up, keys and audit."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def jalin(*args, env=None, timeout=180):
    full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "jalin", *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout, cwd=ROOT, check=False)


def test_help_lists_every_command_and_the_readme_documents_them():
    from jalin.cli import _DJANGO, _LIBRARY, USAGE

    result = jalin("--help")
    assert result.returncode == 0
    readme = (ROOT / "README.md").read_text()
    for command in [*_DJANGO, *_LIBRARY, "serve", "manage"]:
        assert re.search(rf"^\s+{command}\s", USAGE, re.MULTILINE), command
        assert f"`jalin {command}" in readme, command


def test_unknown_command_exits_2():
    result = jalin("frobnicate")
    assert result.returncode == 2 and "unknown command" in result.stderr


@pytest.mark.parametrize("env,needle", [
    ({"JALIN_MODE": "production"}, "SECRET_KEY"),
    ({"JALIN_MODE": "production", "SECRET_KEY": "x" * 40}, "ALLOWED_HOSTS"),
    ({"JALIN_MODE": "production", "SECRET_KEY": "x" * 40, "ALLOWED_HOSTS": "bk.example.org"}, "DATABASE_URL"),
    ({"JALIN_MODE": "staging"}, "JALIN_MODE"),
    ({"JALIN_SESSION_TIMEOUT": "soon"}, "JALIN_SESSION_TIMEOUT"),
    ({"JALIN_DEBUG": "perhaps"}, "JALIN_DEBUG"),
    ({"JALIN_TRUSTED_PROXIES": "10.0.0.1,proxy.example"}, "JALIN_TRUSTED_PROXIES"),
    ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
])
def test_bad_configuration_fails_loudly(tmp_path, env, needle):
    result = jalin("migrate", "--check", env={"JALIN_DATA_DIR": str(tmp_path), **env})
    assert result.returncode != 0
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_without_production_settings(tmp_path):
    result = jalin("serve", env={"JALIN_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "SECRET_KEY" in result.stderr


def test_demo_sets_up_prints_login_and_is_idempotent(tmp_path):
    env = {"JALIN_DATA_DIR": str(tmp_path)}
    first = jalin("demo", "--no-server", env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    password = re.search(r"rina / (\S+)", first.stdout).group(1)
    assert (tmp_path / "jalin.sqlite3").exists() and (tmp_path / "keys.json").exists()
    assert oct((tmp_path / "keys.json").stat().st_mode)[-3:] == "600"
    second = jalin("demo", "--no-server", env=env, timeout=300)
    assert second.returncode == 0 and f"rina / {password}" in second.stdout
    verify = jalin("audit", "verify", env=env)
    assert verify.returncode == 0 and "intact" in verify.stdout
    status = jalin("keys", "status", env=env)
    assert status.returncode == 0 and "values" in status.stdout
    raw = (tmp_path / "jalin.sqlite3").read_bytes()
    assert b"Ledakan marah" not in raw and b"Dimas P." not in raw  # demo content is encrypted at rest


def test_production_needs_a_key_and_keys_create_makes_one(tmp_path):
    env = {"JALIN_MODE": "production", "SECRET_KEY": "s" * 40, "ALLOWED_HOSTS": "bk.example.org",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "JALIN_DATA_DIR": str(tmp_path),
           "JALIN_KEY_FILE": str(tmp_path / "keys" / "keys.json")}
    refused = jalin("migrate", env=env)
    assert refused.returncode != 0 and "jalin.E001" in refused.stderr
    created = jalin("keys", "create", env=env)
    assert created.returncode == 0 and (tmp_path / "keys" / "keys.json").exists()
    assert jalin("migrate", "-v0", env=env).returncode == 0
    again = jalin("keys", "create", env=env)
    assert again.returncode != 0 and "already holds keys" in again.stderr

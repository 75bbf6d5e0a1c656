"""The ``jalin`` command: a thin shell over Django management commands and the analysis library.

Commands that need no database (analyze, train, evaluate, measures) never set Django up, so
they start fast and work without a data directory.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: jalin COMMAND [ARGS]

Practice (web application):
  demo         set up the embedded SQLite database with demo data and start on 127.0.0.1
  serve        production server (gunicorn): needs SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS and keys
  migrate      apply database migrations
  createuser   create an account: jalin createuser USERNAME --role counselor|supervisor|admin
  keys         encryption keys: jalin keys create|rotate|reencrypt|retire|status
  audit        audit log: jalin audit verify [--anchors FILE] | jalin audit anchor [--out FILE | --syslog]
  worker       background tasks (transcript parsing and analysis): jalin worker [--poll 1] [--once]
  manage       any Django management command: jalin manage COMMAND ...

Session analysis (no database needed):
  analyze      analyse transcripts: jalin analyze FILE... [--format json|html|md|text] [--lang id|en]
  train        rebuild the labelling model from the corpus
  evaluate     evaluate a model on labelled data or AnnoMI
  corpus       the training corpus: jalin corpus report [--out docs/corpus-report.md | --check FILE]
  measures     instruments: jalin measures list | jalin measures score PHQ9 --answers 0,1,...
  roleplay     practise with a simulated counselee: jalin roleplay list | run SCENARIO | replay SCENARIO --script FILE

Run `jalin COMMAND --help` for a command's options.
"""

_LIBRARY = {
    "analyze": ("jalin.analysis.cli", "analyze_main"),
    "train": ("jalin.analysis.training", "train_main"),
    "evaluate": ("jalin.analysis.training", "evaluate_main"),
    "corpus": ("jalin.analysis.corpus_report", "main"),
    "measures": ("jalin.measures.instruments.cli", "measures_main"),
    "roleplay": ("jalin.roleplay.cli", "roleplay_main"),
}

_DJANGO = {
    "demo": "jalin_demo",
    "migrate": "migrate",
    "createuser": "jalin_createuser",
    "keys": "jalin_keys",
    "audit": "jalin_audit",
    "worker": "jalin_worker",
}


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jalin.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        if argv[:1] in (["jalin_worker"], ["migrate"]):
            import django

            django.setup()
            if argv[0] == "jalin_worker":
                _refuse_wrong_keys("jalin worker")
            elif _keys_configured():
                # A data migration seals existing values: never under keys that cannot open the rest.
                # (No key at all is the system check jalin.E001's to report.)
                _refuse_wrong_keys("jalin migrate")
        execute_from_command_line(["jalin", *argv])
    except ImproperlyConfigured as exc:
        print(f"jalin: configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:  # e.g. a start-up check before the command's own handling: one line
        print(f"jalin: the database is not reachable ({type(exc).__name__}); check DATABASE_URL", file=sys.stderr)
        return 1
    return 0


def _keys_configured() -> bool:
    from pathlib import Path

    from django.conf import settings

    return bool(settings.ENCRYPTION_KEYS) or Path(settings.ENCRYPTION_KEY_FILE).exists()


def _refuse_wrong_keys(command: str) -> None:
    """One line and exit 2 when the key set cannot open this database (see jalin/core/keycheck.py)."""
    from jalin.core.keycheck import KeyCheckError, verify_keys

    try:
        verify_keys()
    except KeyCheckError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _serve(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="jalin serve", description="Run Jalin in production with gunicorn.")
    parser.add_argument("--bind", default=os.environ.get("JALIN_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("JALIN_WORKERS", "3")))
    # Threads per worker: a login waiting for a password-hashing slot (jalin/accounts/login_slots.py) or
    # a page waiting on the database holds a thread, not a whole process, so pages keep being answered.
    parser.add_argument("--threads", type=int, default=int(os.environ.get("JALIN_THREADS", "8")))
    args = parser.parse_args(argv)
    os.environ["JALIN_MODE"] = "production"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jalin.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management.base import SystemCheckError

    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("check", "--deploy", "--fail-level", "ERROR")
        call_command("collectstatic", "--noinput", verbosity=0)
        _refuse_unapplied_migrations()
        _refuse_wrong_keys("jalin serve")
    except ImproperlyConfigured as exc:
        print(f"jalin serve: configuration error: {exc}", file=sys.stderr)
        return 2
    except SystemCheckError as exc:
        # Only the errors, on one line, without Django's banner, the warnings and a traceback.
        errors, in_errors = [], False
        for line in str(exc).splitlines():
            if line.strip().endswith(":") and line.strip().isupper():
                in_errors = line.strip() == "ERRORS:"
            elif in_errors and line.strip() and not line.strip().startswith("HINT:"):
                errors.append(line.strip())
        print("jalin serve: " + ("; ".join(errors) or "system checks failed"), file=sys.stderr)
        return 2
    except SystemExit as exc:
        return int(exc.code or 1)
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "jalin.wsgi:application", "--bind", args.bind,
                               "--workers", str(args.workers), "--worker-class", "gthread",
                               "--threads", str(args.threads),
                               # No keep-alive: behind the TLS proxy each request is its own connection, and
                               # an idle kept-alive connection closed by the server just as a client reuses
                               # it answers "connection reset" (seen in the load run).
                               "--keep-alive", "0", "--access-logfile", "-",
                               "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'])
    return 0  # not reached


def _refuse_unapplied_migrations() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("jalin serve: the database needs migrating first: run `jalin migrate`", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command in {"--version", "version"}:
        from jalin import __version__

        print(f"jalin {__version__}")
        return 0
    if command in _LIBRARY:
        module_name, function = _LIBRARY[command]
        import importlib

        return int(getattr(importlib.import_module(module_name), function)(rest) or 0)
    if command == "serve":
        return _serve(rest)
    if command == "manage":
        return _django(rest)
    if command in _DJANGO:
        return _django([_DJANGO[command], *rest])
    print(f"jalin: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

import os
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("The audit log. `verify` checks the keyed hash chain and prints its head hash and event count "
            "(with --anchors FILE, also the signed checkpoints in FILE); `anchor` writes a signed checkpoint of "
            "the head to a file (--out, appended) or to syslog (--syslog), outside the database. "
            "Example: jalin audit anchor --out /var/log/jalin/audit-anchors.log")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "anchor"])
        parser.add_argument("--anchors", help="verify: a file of checkpoints written by `jalin audit anchor`")
        parser.add_argument("--out", help="anchor: append the checkpoint to this file")
        parser.add_argument("--syslog", action="store_true", help="anchor: send the checkpoint to syslog")

    def handle(self, *args, action, anchors, out, syslog, **options):
        if action == "anchor":
            return self._anchor(out, syslog)
        from jalin.audit.services import verify_anchors, verify_chain

        report = verify_chain()
        if not report.ok:
            self.stderr.write(f"audit chain BROKEN at event {report.first_bad_seq}: {report.problem} "
                              f"({report.checked} events verified before it)")
            raise SystemExit(1)
        keyed = (f"keyed (HMAC-SHA256), {report.unkeyed} older unkeyed events" if report.keyed
                 else "NOT keyed (SHA-256 only)")
        self.stdout.write(f"audit chain intact: {report.checked} events, head {report.head_hash}, {keyed}")
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        if anchors:
            try:
                with open(anchors, encoding="utf-8") as fh:
                    checked, problem = verify_anchors(fh)
            except OSError as exc:
                raise CommandError(f"cannot read {anchors}: {exc.strerror}") from None
            if problem:
                self.stderr.write(f"audit chain BROKEN: {anchors}: {problem} ({checked} checkpoints matched before)")
                raise SystemExit(1)
            self.stdout.write(f"{checked} checkpoints in {anchors} match the chain")

    def _anchor(self, out, syslog):
        import json

        from jalin.audit.services import checkpoint

        if not out and not syslog:
            raise CommandError("say where the checkpoint goes: --out FILE or --syslog")
        try:
            line = json.dumps(checkpoint(), sort_keys=True)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if out:
            try:
                fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise CommandError(f"cannot write {out}: {exc.strerror}") from None
        if syslog:
            if sys.platform == "win32":
                raise CommandError("syslog is not available on this system; use --out")
            import syslog as system_log

            system_log.openlog("jalin", 0, system_log.LOG_AUTH)
            system_log.syslog(system_log.LOG_NOTICE, "jalin-audit-checkpoint " + line)
        self.stdout.write(f"checkpoint: event {json.loads(line)['seq']}, head {json.loads(line)['hash']}")

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log. Example: jalin audit verify"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        from jalin.audit.services import verify_chain

        report = verify_chain()
        if report.ok:
            self.stdout.write(f"audit chain intact: {report.checked} events")
            return
        self.stderr.write(f"audit chain BROKEN at event {report.first_bad_seq}: {report.problem} "
                          f"({report.checked} events verified before it)")
        raise SystemExit(1)

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jalin.core.crypto import ensure_key_file


class Command(BaseCommand):
    help = "Set up the embedded database with demo data and start Jalin on 127.0.0.1. Example: jalin demo --port 8000"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-server", action="store_true", help="Set up and print the login, do not serve.")

    def handle(self, *args, port, no_server, **options):
        from django.conf import settings

        if settings.PRODUCTION:
            self.stderr.write("jalin demo refuses to run in production mode.")
            raise SystemExit(2)
        from django.core.exceptions import ImproperlyConfigured

        from jalin.core.keycheck import KeyCheckError, verify_keys

        try:
            ensure_key_file()  # refuses when data exists but the key file is missing: never a silent new key
            verify_keys()  # before migrating: a data migration must not seal values under a wrong key
            call_command("migrate", interactive=False, verbosity=0)
            verify_keys()  # now the sentinel table exists
        except (ImproperlyConfigured, KeyCheckError) as exc:
            self.stderr.write(f"jalin demo: {exc}")
            raise SystemExit(2) from None
        from jalin.core.demo import load_demo

        result = load_demo()
        url = f"http://127.0.0.1:{port}/"
        self.stdout.write(self.style.SUCCESS("Jalin demo is ready." if result["created"] else "Jalin demo data found."))
        self.stdout.write(f"  Data directory: {settings.DATA_DIR}")
        self.stdout.write(f"  Open:           {url}")
        self.stdout.write(f"  Counselor:      rina / {result['password']}")
        self.stdout.write(f"  Trainee:        dedi / {result['password']}")
        self.stdout.write(f"  Supervisor:     sari / {result['password']}")
        self.stdout.write(f"  Administrator:  admin / {result['password']}")
        if not no_server:
            from jalin.core.task_worker import start_background_worker

            start_background_worker()  # transcripts are analysed in this process in the demo
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Run the background-task worker (transcript parsing and analysis) of the configured task backend: "
            "the database by default, Redis with JALIN_TASKS_REDIS_URL. "
            "Example: jalin worker --poll 1   (or --once to run what is due now and exit)")

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between polls of an empty queue")
        parser.add_argument("--once", action="store_true", help="run every task that is due now, then exit")

    def handle(self, *args, poll, once, **options):
        from django.db import DatabaseError

        from jalin.core.task_worker import backend_kind, run_forever, run_pending

        if poll <= 0:
            self.stderr.write("jalin worker: --poll must be a positive number of seconds")
            raise SystemExit(2)
        if once:
            try:
                run_pending()
            except DatabaseError as exc:
                self.stderr.write(f"jalin worker: the database is not reachable ({type(exc).__name__}); "
                                  "check DATABASE_URL")
                raise SystemExit(1) from None
            self.stdout.write("due tasks done")
            return
        self.stdout.write(f"Jalin task worker running ({backend_kind()} backend); Ctrl+C stops it.")
        try:
            run_forever(interval=poll)
        except KeyboardInterrupt:
            pass

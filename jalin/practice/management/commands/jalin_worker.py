from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Run the transcript-analysis worker: poll the job table and analyse queued transcripts. "
            "Example: jalin worker --poll 2   (or --once to run one job and exit)")

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between polls of an empty queue")
        parser.add_argument("--once", action="store_true", help="run at most one job, then exit")

    def handle(self, *args, poll, once, **options):
        from jalin.practice.worker import run_forever, run_one

        if once:
            job = run_one()
            self.stdout.write("no queued job" if job is None else f"job {job.pk}: {job.status}")
            return
        self.stdout.write("Jalin analysis worker running; Ctrl+C stops it.")
        try:
            run_forever(poll_seconds=poll)
        except KeyboardInterrupt:
            pass

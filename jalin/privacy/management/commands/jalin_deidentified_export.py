"""``jalin manage jalin_deidentified_export --out DIR``: measures and transcripts for research, de-identified."""

from django.core.management.base import BaseCommand

from jalin.privacy.deidentify import deidentified_export


class Command(BaseCommand):
    help = ("Write a de-identified export (records.jsonl) for training and research. "
            "Example: jalin manage jalin_deidentified_export --out /tmp/research")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="folder to write records.jsonl and README.txt into")

    def handle(self, *args, **options):
        counts = deidentified_export(options["out"])
        self.stdout.write(f"cases={counts['cases']} measures={counts['measures']} "
                          f"transcripts={counts['transcripts']}")

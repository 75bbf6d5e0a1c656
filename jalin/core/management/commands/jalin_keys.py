from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    requires_system_checks = []  # `keys create` must run before a key exists
    help = ("Encryption keys. `create` writes a new key file; `rotate` adds a new primary key and re-encrypts "
            "every sealed value without downtime; `reencrypt` re-seals every value under the primary key; "
            "`retire` drops the old keys, refusing while any value still uses one; `status` counts values per "
            "key. Example: jalin keys rotate")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "rotate", "reencrypt", "retire", "status"])

    def handle(self, *args, action, **options):
        from jalin.core import keys

        try:
            message = getattr(keys, action)()
        except keys.KeyCommandError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(message)

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jalin.accounts.models import Organisation, User
from jalin.audit.services import record


class Command(BaseCommand):
    help = ("Create an account. Example: jalin createuser rina --role counselor --name 'Rina Wulandari' "
            "--organisation 'SMP Harapan' (the password is asked for, or read from JALIN_PASSWORD).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=[r.value for r in User.Role], default="counselor")
        parser.add_argument("--name", default="")
        parser.add_argument("--organisation", default="")
        parser.add_argument("--trainee", action="store_true")

    def handle(self, *args, username, role, name, organisation, trainee, **options):
        import os

        if User.objects.filter(username=username).exists():
            raise CommandError(f"username {username!r} is taken")
        password = os.environ.get("JALIN_PASSWORD") or getpass.getpass("Password: ")
        first, _, last = name.partition(" ")
        user = User(username=username, role=role, is_trainee=trainee, first_name=first, last_name=last)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("password refused: " + " ".join(exc.messages)) from None
        with transaction.atomic():
            if organisation:
                user.organisation, _ = Organisation.objects.get_or_create(name=organisation)
            else:
                user.organisation = Organisation.objects.order_by("pk").first()
            user.set_password(password)
            user.save()
            record("account.create", obj=user, role=role)
        self.stdout.write(f"created {role} {username}")

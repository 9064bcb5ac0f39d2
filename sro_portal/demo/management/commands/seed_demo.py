from django.core.management.base import BaseCommand, CommandError

from sro_portal.demo.seed import delete_demo, seed_demo


class Command(BaseCommand):
    help = "Create the demo agencies (eps and northvale) with their schools and users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo agencies first, then rebuild."
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing (and succeed) when the demo agencies exist already.",
        )

    def handle(self, *args, reset=False, if_missing=False, **options):
        if reset:
            delete_demo()
        try:
            summary = seed_demo()
        except ValueError as error:
            if if_missing:
                self.stdout.write("The demo agencies exist already: nothing to do.")
                return
            raise CommandError(f"{error} Use --reset to rebuild them.") from error
        self.stdout.write(self.style.SUCCESS("Demo agencies: " + ", ".join(summary.agencies)))
        for slug, email, role in summary.accounts:
            self.stdout.write(f"  {slug:<10} {email:<26} {role}")
        self.stdout.write(f"Every demo account's password: {summary.password}")

"""manage.py rebuild_readmodel NAME|all: rebuild read models from the event log, live.

See docs/runbook-rebuild.md. The work is done by readmodels.rebuild.job.
"""

from django.core.management.base import BaseCommand, CommandError

from readmodels.rebuild.job import ConsoleProgress, RebuildFailed, read_model_names, rebuild


class Command(BaseCommand):
    help = (
        "Rebuild a read model (or all) from the event log into shadow tables and swap them in; "
        "queries keep being answered meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help=f"one of: {', '.join(read_model_names())}, or 'all'")
        parser.add_argument("--quiet", action="store_true", help="no progress output")

    def handle(self, *args, name: str, quiet: bool, **options):
        valid = read_model_names()
        if name != "all" and name not in valid:
            raise CommandError(f"unknown read model {name!r}; valid names: {', '.join(valid)}, all")
        progress = None if quiet else ConsoleProgress(self.stderr._out)
        if name != "all":
            try:
                report = rebuild(name, progress=progress)
            except RebuildFailed as error:
                raise CommandError(str(error)) from error
            self.stdout.write(report.summary())
            return
        failed = []
        for read_model in valid:  # one failure does not stop the others
            try:
                report = rebuild(read_model, progress=progress)
            except RebuildFailed as error:
                failed.append(read_model)
                self.stderr.write(str(error))
                continue
            self.stdout.write(report.summary())
        if failed:
            raise CommandError(f"rebuild failed for {', '.join(failed)} (see above)")

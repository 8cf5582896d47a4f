"""``manage.py drain_inbound_spool``: apply the inbound texts kept while the database was down."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from messaging import inbound_spool, webhooks


class Command(BaseCommand):
    help = "Apply signed inbound texts kept in the spool (Redis, then this machine's spool file)."

    def handle(self, *args, **options) -> None:
        result = webhooks.replay_spooled()
        self.stdout.write(
            f"Applied {result.applied}, rejected {result.rejected} (bad signature), "
            f"set aside {result.dead} (see {inbound_spool.DEAD_KEY} / {inbound_spool.DEAD_FILE_NAME})."
        )
        if result.stopped_early:
            raise CommandError(f"Some entries are still waiting: {'; '.join(result.errors[-1:]) or 'run it again'}")

"""``peercircle manage demo``: the same as ``peercircle demo``. See docs/running.md."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from peercircle.core.demo import DEMO_PASSWORD, demo_logins, demo_seed


class Command(BaseCommand):
    help = "Add the demo organisation, groups, people and one login per role (safe to repeat)."

    def handle(self, *args, **options) -> None:
        result = demo_seed()
        self.stdout.write(result.summary())
        logins = demo_logins()
        if logins:
            self.stdout.write(
                f"Demo logins (password {DEMO_PASSWORD!r}): "
                + ", ".join(name for name, _ in logins)
            )

"""Every new organisation gets the default training curriculum.

The receiver only calls ``services.curriculum_seed`` (idempotent), inside the
transaction that created the organisation, however it was created: the
admin, the demo, a shell. Organisations that existed before this app were
seeded by migration 0002. See docs/volunteers.md.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from peercircle.core.models import Organisation


@receiver(post_save, sender=Organisation, dispatch_uid="volunteers.curriculum_seed")
def organisation_created(
    sender: type[Organisation], instance: Organisation, created: bool, raw: bool, **kwargs: Any
) -> None:
    if not created or raw:
        return
    from peercircle.volunteers.services import curriculum_seed

    curriculum_seed(organisation=instance)

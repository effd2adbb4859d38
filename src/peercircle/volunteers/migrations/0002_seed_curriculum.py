"""Organisations that existed before volunteers get the default curriculum
(new ones get it when they are created: volunteers/signals.py)."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from peercircle.volunteers import curriculum

    Organisation = apps.get_model("core", "Organisation")
    TrainingModule = apps.get_model("volunteers", "TrainingModule")
    ModuleRevision = apps.get_model("volunteers", "ModuleRevision")
    now = timezone.now()
    for organisation in Organisation.objects.all():
        have = set(
            TrainingModule.objects.filter(organisation=organisation).values_list("slug", flat=True)
        )
        for text in curriculum.modules():
            if text.slug in have:
                continue
            module = TrainingModule.objects.create(
                organisation=organisation,
                slug=text.slug,
                title=text.title,
                summary=text.summary,
                body=text.body,
                reflection_prompt=text.reflection_prompt,
                written_by=text.written_by,
                co_produced_with=text.co_produced_with,
                refresher_months=text.refresher_months,
                required_for=list(text.required_for),
                position=text.position,
                from_default=True,
            )
            ModuleRevision.objects.create(
                module=module,
                version=1,
                title=module.title,
                body=module.body,
                reflection_prompt=module.reflection_prompt,
                written_by=module.written_by,
                co_produced_with=module.co_produced_with,
                saved_at=now,
            )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

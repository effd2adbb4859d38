"""Indexes for the public finder's scans and first-page walks. See docs/performance.md."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="group",
            index=models.Index(
                fields=[
                    "listed",
                    "is_active",
                    "programme",
                    "delivery",
                    "weekday",
                    "language",
                    "latitude",
                    "longitude",
                    "name",
                ],
                name="group_finder_cover",
            ),
        ),
        migrations.AddIndex(
            model_name="group",
            index=models.Index(
                fields=["name", "listed", "is_active", "programme", "delivery", "language"],
                name="group_finder_name",
            ),
        ),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["status", "starts_at", "group"], name="session_upcoming"),
        ),
    ]

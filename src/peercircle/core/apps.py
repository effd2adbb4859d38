from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peercircle.core"
    label = "core"
    verbose_name = "Organisations and audit"

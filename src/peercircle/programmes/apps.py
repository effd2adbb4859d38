from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "peercircle.programmes"
    label = "programmes"
    verbose_name = "Programmes, groups and sessions"

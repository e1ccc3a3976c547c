from django.apps import AppConfig


class ThriveIntegrationConfig(AppConfig):
    name = "thrive_integration"
    verbose_name = "Thrive integration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, schedules  # noqa: F401  (register the system checks, signals)

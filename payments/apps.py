from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Stop-payment requests"

    def ready(self) -> None:
        from payments import case_sections  # noqa: F401

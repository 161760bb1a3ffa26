from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "persons"

    def ready(self) -> None:
        from persons import case_sections, panels  # noqa: F401

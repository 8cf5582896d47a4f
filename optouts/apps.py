from django.apps import AppConfig


class OptoutsConfig(AppConfig):
    name = "optouts"

    def ready(self) -> None:
        from imports import targets

        from .import_target import TARGET

        targets.register(TARGET)

from django.apps import AppConfig


class OptoutsConfig(AppConfig):
    name = "optouts"

    def ready(self) -> None:
        from emuchat import lookups  # noqa: F401 - registers the __any lookup

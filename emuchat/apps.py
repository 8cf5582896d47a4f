from django.apps import AppConfig


class EmuchatConfig(AppConfig):
    """The ground floor: settings, phone numbers and the ORM lookups every app may use."""

    name = "emuchat"
    verbose_name = "emu.chat"

    def ready(self) -> None:
        from . import lookups  # noqa: F401 - registers the __any lookup on CharField

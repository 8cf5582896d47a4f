from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        from imports import targets

        from .import_target import TARGET

        targets.register(TARGET)

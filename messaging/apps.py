from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from optouts import services as optout_services

        from . import services

        # Every opt-out, whichever way it is made, cancels what still waits to go to the number (SPEC §6).
        optout_services.on_opt_out(services.cancel_pending_to)

from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance: links, keywords, confirmations, review"

    def ready(self) -> None:
        # messaging sits below compliance: it asks its guard, and the guard asks
        # the exemption owner registered here (messaging/guard.py explains the rule).
        from messaging import guard as messaging_guard

        from . import guard

        messaging_guard.register_exemption(reserve=guard.reserve, consume=guard.consume)

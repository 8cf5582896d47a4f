from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance: links, keywords, confirmations, review"

    def ready(self) -> None:
        # messaging never imports compliance: it exposes hooks and we fill them (messaging/hooks.py,
        # messaging/guard.py explains the exemption rule).
        from messaging import hooks
        from optouts import evidence as optout_evidence

        from . import evidence, guard, inbound, links

        hooks.register_inbound_handler(inbound.apply_keyword)
        hooks.register_body_personaliser(links)
        hooks.register_guard_exemption(guard)
        optout_evidence.register_source(evidence.texts)

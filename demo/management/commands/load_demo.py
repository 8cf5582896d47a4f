"""Demo data for `make run`: safe to run again, it changes nothing the second time."""

from __future__ import annotations

import random

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from contacts.models import Contact
from messaging import services as messaging_services
from messaging.models import SenderNumber
from optouts import services as optout_services
from optouts.models import Method
from workspaces.models import Membership, Workspace

USERNAME, PASSWORD = "demo", "emu-demo-password"
SENDER = "+14155550100"
FIRST = [
    "Ava",
    "Noah",
    "Mia",
    "Liam",
    "Zoe",
    "Ethan",
    "Isla",
    "Leo",
    "Chloe",
    "Oscar",
    "Aisha",
    "Mateo",
    "Hannah",
    "Lukas",
    "Camille",
    "Hugo",
    "Sofia",
    "Kenji",
    "Priya",
    "Tom",
    "Grace",
    "Omar",
    "Elena",
    "Finn",
    "Maya",
    "Jonas",
    "Léa",
    "Ruby",
    "Diego",
    "Nora",
    "Sam",
    "Ivy",
]
LAST = [
    "Nguyen",
    "Smith",
    "Müller",
    "Dubois",
    "Rossi",
    "Tanaka",
    "Patel",
    "Brown",
    "García",
    "Wilson",
    "Schmidt",
    "Martin",
    "Kowalski",
    "Jones",
    "O'Brien",
    "Silva",
]
REGIONS = ["US"] * 12 + ["GB"] * 6 + ["DE"] * 3 + ["FR"] * 3 + ["AU"] * 2 + ["CA"] * 2 + ["ES"]


def mobile_numbers(region: str, rng: random.Random, count: int) -> list[str]:
    """Valid mobile numbers near the region's example number."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    found: list[str] = []
    while len(found) < count:
        candidate = phonenumbers.PhoneNumber(
            country_code=example.country_code,
            national_number=example.national_number - 5000 + rng.randrange(10000),
        )
        if phonenumbers.is_valid_number(candidate):
            found.append(phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164))
    return found


class Command(BaseCommand):
    help = "Create the demo workspace, contacts, conversations and member account."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = self.load()
        self.stdout.write(
            self.style.SUCCESS("Demo workspace ready" + (" (created)." if created else " (already there)."))
        )
        self.stdout.write(f"  Log in at {settings.SITE_URL}/ as  username: {USERNAME}  password: {PASSWORD}")

    def load(self) -> bool:
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(
            username=USERNAME, defaults={"first_name": "Dana", "last_name": "Demo", "email": "demo@example.com"}
        )
        if not user.has_usable_password() or not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        workspace, created = Workspace.objects.get_or_create(
            slug="acme", defaults={"name": "Acme Bakery", "default_region": "US"}
        )
        Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Membership.Role.OWNER})
        SenderNumber.objects.get_or_create(phone=SENDER, defaults={"workspace": workspace, "label": "Main line"})
        if not created:
            return False
        rng = random.Random(2026)
        contacts = []
        for index, region in enumerate(REGIONS):
            name = f"{FIRST[index % len(FIRST)]} {LAST[index % len(LAST)]}"
            phone = mobile_numbers(region, rng, 1)[0]
            contacts.append(
                Contact(workspace=workspace, name=name, phone=phone, email=f"{name.split()[0].lower()}@example.com")
            )
        contacts += [
            Contact(workspace=workspace, name=n, email=f"{n.split()[0].lower()}@example.org")
            for n in ("Walk-in Wendy", "Paper Order Pete", "Front Desk")
        ]
        Contact.objects.bulk_create(contacts)
        sender = SenderNumber.objects.get(phone=SENDER)
        for contact, text in zip(
            contacts[:5],
            [
                "Your order is ready for pickup!",
                "Fresh sourdough today 🍞",
                "Thanks for your visit!",
                "Reminder: pickup at 5pm",
                "We're closed Monday.",
            ],
            strict=True,
        ):
            messaging_services.send_message(workspace=workspace, to=contact.phone, body=text, sender=sender, actor=user)
        messaging_services.receive_message(
            to=SENDER, from_=contacts[0].phone, body="Great, see you soon", provider_sid="demo-in-1"
        )
        messaging_services.receive_message(
            to=SENDER, from_=contacts[1].phone, body="STOP please", provider_sid="demo-in-2"
        )
        optout_services.opt_out(
            workspace=workspace,
            phone=contacts[14].phone,
            method=Method.MANUAL,
            reason="Asked in store not to be texted",
            actor=user,
        )
        optout_services.opt_out(
            workspace=workspace,
            phone="+12025550142",
            method=Method.MANUAL,
            reason="Number from a complaint email; no contact",
            actor=user,
        )
        return True

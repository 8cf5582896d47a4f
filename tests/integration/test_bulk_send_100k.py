"""100,000 recipients from the Bulk send page, on PostgreSQL (issue 12, item 4).

The page posts one choice ("all contacts"), never one field per contact; the
review counts what will be blocked and the confirmed send records 100,000
texts. Delivery itself is not part of this (it runs after commit, in workers).
"""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from contacts.models import Contact
from messaging.models import Message
from optouts.models import OptOut

pytestmark = pytest.mark.integration

SIZE = 100_000
BLOCKED = 2_500


def test_a_hundred_thousand_contacts_are_reviewed_and_sent_from_the_page(postgres, member_client, workspace):
    numbers = [f"+1415{2_000_000 + i:07d}" for i in range(SIZE)]
    Contact.objects.bulk_create(
        [Contact(workspace=workspace, name=f"Person {i}", phone=n) for i, n in enumerate(numbers)], batch_size=5000
    )
    OptOut.objects.bulk_create([OptOut(workspace=workspace, phone=n, method="manual") for n in numbers[::40]])
    url = reverse("messaging:bulk_send", kwargs={"slug": "acme"})

    started = time.perf_counter()
    review = member_client.post(url, {"audience": "all", "body": "Our big sale starts today"})
    reviewed = time.perf_counter() - started
    html = review.content.decode()
    assert "data-bulk-summary" in html, html[html.find("<form") :][:2000]
    assert f"{SIZE - BLOCKED:,} will be sent</strong> to {SIZE:,} numbers" in html
    assert f"{BLOCKED:,} will be blocked</strong>" in html
    assert not Message.objects.exists()

    started = time.perf_counter()
    confirm = {"audience": "all", "body": "Our big sale starts today", "confirm": "1"}
    sent = member_client.post(url, confirm, follow=True)
    sending = time.perf_counter() - started
    assert f"Bulk send: sent {SIZE - BLOCKED:,}".replace(",", "") in sent.content.decode()
    assert Message.objects.filter(status="queued").count() == SIZE - BLOCKED
    assert Message.objects.filter(failure_reason="opted_out").count() == BLOCKED
    print(f"\n100k bulk send from the page: review {reviewed:.1f} s, confirm (send_bulk + redirect) {sending:.1f} s")

"""100,000 recipients from the Bulk send page, on PostgreSQL (issue 12, item 4).

The page posts one choice ("all contacts"), never one field per contact; the
review counts what will be blocked (in SQL), confirming stores one BulkSend and
returns, and its job records the 100,000 texts. Delivery itself is not part of
this (it runs after commit, in workers).
"""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from contacts.models import Contact
from messaging import bulk
from messaging.models import BulkSend, Message
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
    response = member_client.post(url, confirm)
    confirming = time.perf_counter() - started
    bulk_send = BulkSend.objects.get()
    assert response.status_code == 302 and bulk_send.status == "pending"
    assert not Message.objects.exists()  # the request only stores the send; the job writes the texts

    started = time.perf_counter()
    finished = bulk.run(bulk_send.pk)
    running = time.perf_counter() - started
    assert finished.status == "succeeded" and finished.processed == SIZE
    assert bulk_send.messages.filter(status="queued").count() == SIZE - BLOCKED
    assert bulk_send.messages.filter(failure_reason="opted_out").count() == BLOCKED
    page = member_client.get(reverse("messaging:bulk_send_detail", kwargs={"slug": "acme", "pk": bulk_send.pk}))
    assert f'data-count="blocked">{BLOCKED:,}<' in page.content.decode()
    print(f"\n100k bulk send: review {reviewed:.1f} s, confirm request {confirming:.2f} s, job {running:.1f} s")

"""A bulk send to 100,000 contacts from the page (issue 12, item 4; issue 16): review, confirm, job.

Workload: BENCH_ROWS contacts (default 100,000) in one workspace, numbers from
several countries, 2.5% of them on the opt-out list; the group is "all
contacts". Three figures, each beside a baseline measured in the same run:

- ``review_100k``: the review request (counts in SQL) against the review as it
  was (every number read with phonenumbers, then the list lookup);
- ``confirm_request_100k``: the confirming request (stores a BulkSend, queues
  the job) against the work it used to do inside the request, i.e. the job;
- ``job_100k``: the job creating every text in batches, against one bare
  ``INSERT … SELECT FROM unnest`` of the same texts (no guard, no batches,
  no conversations).

The broker publish of the confirm request is replaced by a recorder (the
job is run here, in this process, right after): about a millisecond.
"""

from __future__ import annotations

import os
import random
import secrets

from bench import common

SLUG = "bulk-bench"
PREFIXES = ["+1415", "+1212", "+1646", "+4479", "+4477", "+4915", "+3361", "+6141", "+3467", "+5511"]


def _numbers(rng: random.Random, count: int) -> list[str]:
    import phonenumbers

    found: dict[str, None] = {}
    while len(found) < count:
        prefix = rng.choice(PREFIXES)
        number = prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix) + 1))
        if number not in found and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            found[number] = None
    return list(found)


def ensure_data(rows: int):
    from django.contrib.auth import get_user_model

    from contacts.models import Contact
    from messaging.models import SenderNumber
    from optouts.models import OptOut
    from workspaces.models import Membership, Workspace

    workspace = Workspace.objects.filter(slug=SLUG).first()
    if workspace and workspace.contacts.count() == rows:
        return workspace
    Workspace.objects.filter(slug=SLUG).delete()
    workspace = Workspace.objects.create(name="Bulk bench", slug=SLUG, default_region="US")
    SenderNumber.objects.filter(phone="+14155550999").delete()
    SenderNumber.objects.create(workspace=workspace, phone="+14155550999")
    user, _ = get_user_model().objects.get_or_create(username="bulk-bench")
    Membership.objects.create(workspace=workspace, user=user, role="owner")
    print(f"  generating {rows:,} contacts…", flush=True)
    numbers = _numbers(random.Random(16), rows)
    Contact.objects.bulk_create(
        [Contact(workspace=workspace, name=f"Person {i}", phone=n) for i, n in enumerate(numbers)], batch_size=5000
    )
    OptOut.objects.bulk_create(
        [OptOut(workspace=workspace, phone=n, method="import") for n in numbers[::40]], batch_size=5000
    )
    return workspace


def _clear(workspace) -> None:
    from conversations.models import Conversation
    from messaging.models import BulkSend, Message

    Message.objects.filter(workspace=workspace).delete()
    BulkSend.objects.filter(workspace=workspace).delete()
    Conversation.objects.filter(workspace=workspace).delete()


def main() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/emu_bench_bulk")
    os.environ["CELERY_BROKER_URL"] = ""  # no worker: the job runs here, timed on its own
    # bench/setup_db.py's default key is refused since SECRET_KEY must be strong when DEBUG=false.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from bench.setup_db import ready

    ready()
    from django.test.utils import override_settings

    # No collectstatic here: the manifest storage of DEBUG=false would fail on {% static %} (as bench/pages.py).
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": plain_static}
    ):
        measure()


def measure() -> None:
    from unittest import mock

    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from messaging import bulk, recipients, tasks
    from messaging.models import BulkSend, Message

    rows = common.rows_from_env(100_000)
    load_before = os.getloadavg()
    workspace = ensure_data(rows)
    client = Client()
    client.force_login(workspace.memberships.get().user)
    url = reverse("messaging:bulk_send", kwargs={"slug": SLUG})
    form = {"audience": "all", "body": "Our spring sale starts today"}
    blocked = rows // 40

    def review() -> None:
        page = client.post(url, form).content.decode()
        assert f"{rows - blocked:,} will be sent</strong>" in page, page[:3000]

    def old_review() -> None:
        numbers = recipients.resolve(workspace=workspace, audience="all")
        assert recipients.summarise(workspace=workspace, numbers=numbers).blocked == blocked

    repeats = 3
    reviews, old_reviews = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine noise
        reviews += common.timed(review, 1)
        old_reviews += common.timed(old_review, 1)

    queued: list[int] = []
    confirms, jobs, bare = [], [], []
    for _ in range(2):
        _clear(workspace)
        with mock.patch.object(tasks.run_bulk_send, "apply_async", lambda args, **kw: queued.append(args[0])):
            confirms += common.timed(lambda: client.post(url, form | {"confirm": "1"}), 1)
        bulk_send = BulkSend.objects.get(workspace=workspace)
        assert queued[-1] == bulk_send.pk and not Message.objects.filter(workspace=workspace).exists()
        with mock.patch.object(tasks.deliver_messages, "delay_on_commit", lambda ids: None):
            jobs += common.timed(lambda pk=bulk_send.pk: bulk.run(pk), 1)
        assert bulk_send.messages.count() == rows
        assert bulk_send.messages.filter(failure_reason="opted_out").count() == blocked
        _clear(workspace)
        bare += common.timed(lambda: _bare_insert(connection, workspace, timezone.now()), 1)

    load_after = os.getloadavg()
    results = [
        common.result(
            "review_100k",
            common.median(reviews),
            "s",
            baseline_name="the review as it was: phonenumbers on every number, then the list lookup",
            baseline=common.median(old_reviews),
            target_ratio=0.2,
            repetitions=repeats,
        ),
        common.result(
            "confirm_request_100k",
            common.median(confirms),
            "s",
            baseline_name="the work the confirm request used to do: creating every text (the job)",
            baseline=common.median(jobs),
            target_ratio=0.05,
            repetitions=len(confirms),
            gunicorn_timeout_s=60,
        ),
        common.result(
            "job_100k",
            common.median(jobs),
            "s",
            baseline_name="one bare INSERT … SELECT FROM unnest of the same texts",
            baseline=common.median(bare),
            repetitions=len(jobs),
            texts_per_second=round(rows / common.median(jobs)),
            peak_rss_mb=common.peak_rss_mb(),
        ),
    ]
    path = common.write(
        "bulk_send",
        f"{rows:,} contacts in one workspace (10 country prefixes), {blocked:,} (2.5%) opted out; "
        "group 'all contacts'; medians",
        results,
        database=common.postgres_version(),
        load_average={"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
    )
    _clear(workspace)
    for entry in results:
        print(f"  {entry}")
    print(f"  wrote {path}")


def _bare_insert(connection, workspace, now) -> None:
    """The floor: the same texts in one statement, no guard, no conversations, no batches."""
    phones = list(workspace.contacts.values_list("phone", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO messaging_message (workspace_id, direction, from_phone, to_phone, body, status, "
            "failure_reason, error_message, attempts, created_at, updated_at, observes_quiet_hours, hold_note) "
            "SELECT %s, 'outbound', '+14155550999', p, 'Our spring sale starts today', 'queued', '', '', 0, "
            "%s, %s, true, '' FROM unnest(%s::varchar[]) AS p",
            [workspace.pk, now, now, phones],
        )


if __name__ == "__main__":
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()

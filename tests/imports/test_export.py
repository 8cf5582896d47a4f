"""Exporting the opt-out list (SPEC §9): content, neutralisation, email, access, expiry, retries."""

from __future__ import annotations

import csv
import functools
import io
from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contacts.models import Contact
from imports import jobs
from imports.models import JobStatus
from optouts import exports
from optouts import services as optout_services
from optouts.models import ExportJob, Method, OptOut
from optouts.tasks import tidy_import_export_jobs
from tests.support import services
from workspaces.models import Workspace

from .importing import run_import


def _url(name: str, workspace, **kwargs) -> str:
    return reverse(f"optouts:{name}", kwargs={"slug": workspace.slug, **kwargs})


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so spreadsheets read it right"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _export(client, workspace, django_capture_on_commit_callbacks, *, notify: bool = False) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("export", workspace), {"notify": "on"} if notify else {})
    job = ExportJob.objects.latest("id")
    assert response.status_code == 302
    assert response.url == _url("export_job", workspace, pk=job.pk)
    return job


def _download(client, workspace, job) -> bytes:
    response = client.get(_url("export_download", workspace, pk=job.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="opt-outs-acme-')
    return b"".join(response.streaming_content)


@pytest.fixture
def listed(workspace, member):
    """An opt-out of each method, with contacts sharing some numbers."""
    Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    Contact.objects.create(workspace=workspace, name="Alex", phone="+14155550123")
    Contact.objects.create(workspace=workspace, name="=cmd|' /C calc'!A0", phone="+447911123456")
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, reason="", actor=member)
    optout_services.opt_out(workspace=workspace, phone="+447911123456", method=Method.LINK, reason="+1 they said so")
    optout_services.import_batch(workspace=workspace, phones=["+33612345678"], reason="@SUM(A1)", actor=member)
    OptOut.objects.filter(workspace=workspace).update(created_at=datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC))


def test_export_has_the_spec_columns_contacts_and_utc_times(
    member_client, workspace, member, listed, django_capture_on_commit_callbacks
):
    job = _export(member_client, workspace, django_capture_on_commit_callbacks)

    rows = _rows(_download(member_client, workspace, job))

    assert rows == [
        ["phone", "contact", "method", "reason", "opted_out_at", "added_by"],
        ["+14155550123", "Alex; Dana", "manual", "", "2026-03-04T05:06:07Z", "alice"],
        ["+447911123456", "'=cmd|' /C calc'!A0", "link", "'+1 they said so", "2026-03-04T05:06:07Z", ""],
        ["+33612345678", "", "import", "'@SUM(A1)", "2026-03-04T05:06:07Z", "alice"],
    ]
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows) == (JobStatus.SUCCEEDED, 3, 3)


@pytest.mark.parametrize("copy", [True, False], ids=["postgres-copy", "python-keyset"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_every_formula_start_is_neutralised_in_text_cells(workspace, member, start, copy):
    if copy:
        services.require_postgres()
    optout_services.opt_out(
        workspace=workspace, phone="+14155550123", method=Method.MANUAL, reason=f"{start}1+1", actor=member
    )
    Contact.objects.create(workspace=workspace, name=f"{start}Name", phone="+14155550123")
    member.username = f"{start}alice"
    member.save()
    out = io.BytesIO()

    exports.write_export(workspace=workspace, out=out, copy=copy)

    _, row = _rows(out.getvalue())
    assert row[0] == "+14155550123"  # the E.164 "+" is never touched
    assert (row[1], row[3], row[5]) == (f"'{start}Name", f"'{start}1+1", f"'{start}alice")


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    reasons=st.lists(st.text(max_size=12).map(lambda t: t.replace("\x00", "")), min_size=1, max_size=6),
    names=st.lists(st.text(max_size=12).map(lambda t: t.replace("\x00", "")), max_size=6),
)
def test_the_postgres_copy_export_and_the_python_export_write_the_same_csv(workspace, member, reasons, names):
    """PostgreSQL exports with COPY, other databases with Python: a spreadsheet must not tell them apart."""
    services.require_postgres()
    OptOut.objects.filter(workspace=workspace).delete()
    Contact.objects.filter(workspace=workspace).delete()
    for index, reason in enumerate(reasons):
        optout_services.opt_out(
            workspace=workspace, phone=f"+1415555{index:04d}", method=Method.MANUAL, reason=reason, actor=member
        )
    for index, name in enumerate(names):
        Contact.objects.create(workspace=workspace, name=name, phone=f"+1415555{index % len(reasons):04d}")
    by_copy, by_python = io.BytesIO(), io.BytesIO()

    assert exports.write_export(workspace=workspace, out=by_copy, copy=True) == len(reasons)
    assert exports.write_export(workspace=workspace, out=by_python, copy=False) == len(reasons)

    assert _rows(by_copy.getvalue()) == _rows(by_python.getvalue())


# Valid numbers of several countries: a prefix, then enough digits for a full number.
PHONE = (
    st.sampled_from([("+1415555", 4), ("+1212555", 4), ("+447911", 6), ("+33612", 6)])
    .flatmap(
        lambda prefix: st.integers(min_value=0, max_value=10 ** prefix[1] - 1).map(
            lambda n: f"{prefix[0]}{n:0{prefix[1]}d}"
        )
    )
    .filter(lambda number: phonenumbers.is_valid_number(phonenumbers.parse(number)))
)
# Any text a person could type, formula starts and line breaks included (not binary control codes).
TEXT = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\r\n=+-@")


@hypothesis_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    numbers=st.lists(PHONE, min_size=1, max_size=25, unique=True),
    reasons=st.lists(st.text(TEXT, max_size=30), min_size=1, max_size=5),
    names=st.lists(st.text(TEXT, max_size=20), max_size=5),
)
def test_an_exported_file_imports_back_to_the_same_numbers(
    member, tmp_path_factory, django_capture_on_commit_callbacks, numbers, reasons, names
):
    source = Workspace.objects.create(name="Source", slug=f"src-{Workspace.objects.count()}", default_region="US")
    for index, number in enumerate(numbers):
        reason = reasons[index % len(reasons)]
        optout_services.opt_out(workspace=source, phone=number, method=Method.MANUAL, reason=reason)
    for index, name in enumerate(names):
        Contact.objects.create(workspace=source, name=name, phone=numbers[index % len(numbers)])
    path = tmp_path_factory.mktemp("roundtrip") / "export.csv"
    with open(path, "wb") as out:
        exports.write_export(workspace=source, out=out)

    target = Workspace.objects.create(name="Target", slug=f"dst-{Workspace.objects.count()}", default_region="GB")
    job = run_import(target, path, django_capture_on_commit_callbacks, actor=member)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert set(OptOut.objects.filter(workspace=target).values_list("phone", flat=True)) == set(numbers)
    assert job.invalid == 0


def test_email_me_sends_one_email_with_an_absolute_link_that_works(
    member_client, workspace, member, listed, django_capture_on_commit_callbacks
):
    job = _export(member_client, workspace, django_capture_on_commit_callbacks, notify=True)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["alice@example.com"]
    assert email.subject == "Your opt-out export for Acme Bakery is ready"
    link = "https://emu.example.com" + _url("export_job", workspace, pk=job.pk)
    assert link in email.body
    page = member_client.get(link.removeprefix("https://emu.example.com")).content.decode()
    download = _url("export_download", workspace, pk=job.pk)
    assert f'href="{download}"' in page
    assert len(_rows(_download(member_client, workspace, job))) == 4


def test_a_finished_export_is_listed_on_the_export_page_with_its_download_link(
    member_client, workspace, listed, django_capture_on_commit_callbacks
):
    job = _export(member_client, workspace, django_capture_on_commit_callbacks)

    page = member_client.get(_url("export", workspace)).content.decode()

    assert f'id="export-{job.pk}" data-job-status="succeeded"' in page
    assert f'href="{_url("export_download", workspace, pk=job.pk)}"' in page


def test_no_email_unless_asked(member_client, workspace, listed, django_capture_on_commit_callbacks):
    _export(member_client, workspace, django_capture_on_commit_callbacks, notify=False)
    assert mail.outbox == []


def test_a_task_run_twice_gives_the_same_file_and_one_email(workspace, member, listed):
    job = ExportJob.objects.create(workspace=workspace, requested_by=member, notify=True)

    first = exports.run_export_job(job.id)
    content = first.file.read()
    again = exports.run_export_job(job.id)  # a redelivered message
    exports.notify_ready(first)  # and the tidy task retrying emails

    assert again is None
    job.refresh_from_db()
    assert (job.attempts, job.status) == (1, JobStatus.SUCCEEDED)
    assert job.file.open("rb").read() == content
    assert len(mail.outbox) == 1


def test_outsider_gets_404_on_the_download_even_with_the_link(
    member_client, outsider, workspace, listed, django_capture_on_commit_callbacks, client
):
    job = _export(member_client, workspace, django_capture_on_commit_callbacks, notify=True)
    link = _url("export_download", workspace, pk=job.pk)
    client.force_login(outsider)

    assert client.get(link).status_code == 404
    assert client.get(_url("export_job", workspace, pk=job.pk)).status_code == 404
    # Not through the outsider's own workspace either.
    assert client.get(reverse("optouts:export_download", kwargs={"slug": "globex", "pk": job.pk})).status_code == 404
    client.logout()
    response = client.get(link)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_teammate_can_download_a_members_export(
    member_client, client, teammate, workspace, listed, django_capture_on_commit_callbacks
):
    job = _export(member_client, workspace, django_capture_on_commit_callbacks)
    client.force_login(teammate)
    assert client.get(_url("export_download", workspace, pk=job.pk)).status_code == 200


def test_exports_expire_after_the_retention_period(
    member_client, workspace, listed, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_RETENTION_DAYS = 7
    job = _export(member_client, workspace, django_capture_on_commit_callbacks)
    stored = job.__class__.objects.get(pk=job.pk).file.path
    job.refresh_from_db()
    assert job.expires_at - job.finished_at == timedelta(days=7)

    assert tidy_import_export_jobs()["exports_expired"] == 0  # not yet
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tidy_import_export_jobs()["exports_expired"] == 1

    job.refresh_from_db()
    assert job.expired and not job.file
    import os

    assert not os.path.exists(stored)
    page = member_client.get(_url("export_job", workspace, pk=job.pk))
    assert page.status_code == 410
    assert "This export has expired" in page.content.decode()
    assert member_client.get(_url("export_download", workspace, pk=job.pk)).url == _url(
        "export_job", workspace, pk=job.pk
    )


def test_a_crashed_export_is_retried_then_marked_failed_never_left_running(
    workspace, member, listed, monkeypatch, django_capture_on_commit_callbacks
):
    job = ExportJob.objects.create(workspace=workspace, requested_by=member, notify=True)

    def crash(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_export", crash)
    with django_capture_on_commit_callbacks(execute=True):  # each retry runs the task again
        exports.run_export_job(job.id)

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, jobs.MAX_ATTEMPTS)
    assert job.error == "The export was interrupted and could not be finished. Start a new export to try again."
    assert mail.outbox == []


def test_an_export_whose_worker_died_is_restarted_by_the_tidy_task(
    workspace, member, listed, django_capture_on_commit_callbacks
):
    job = ExportJob.objects.create(workspace=workspace, requested_by=member, notify=True)
    jobs.claim(ExportJob, job.id)  # a worker took it and was killed: the heartbeat stops
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert tidy_import_export_jobs()["exports_requeued"] == 1

    job.refresh_from_db()
    assert (job.status, job.attempts, job.processed_rows) == (JobStatus.SUCCEEDED, 2, 3)
    assert len(mail.outbox) == 1


def test_the_export_page_shows_progress_while_running(member_client, workspace, member):
    job = ExportJob.objects.create(
        workspace=workspace, requested_by=member, status=JobStatus.RUNNING, total_rows=200, processed_rows=50
    )
    url = _url("export_job", workspace, pk=job.pk)

    page = member_client.get(url).content.decode()
    fragment = member_client.get(url, headers={"X-Requested-With": "fetch"}).content.decode()

    assert f'data-poll="{url}"' in page
    assert "50 of 200 rows written (25%)" in fragment
    assert "Download" not in fragment


@pytest.mark.parametrize("copy", [True, False], ids=["postgres-copy", "python-keyset"])
def test_a_long_export_records_its_progress_as_it_goes(workspace, member, monkeypatch, copy):
    """Progress (the heartbeat) is written as the export goes, never through the connection a COPY holds."""
    from tests.imports.files import within_seconds

    if copy:
        services.require_postgres()
    monkeypatch.setattr(exports, "CHUNK", 2)
    for index in range(5):
        optout_services.opt_out(workspace=workspace, phone=f"+141555500{index:02d}", method=Method.MANUAL)
    job = ExportJob.objects.create(workspace=workspace, requested_by=member)
    seen = []
    monkeypatch.setattr(exports, "write_export", functools.partial(exports.write_export, copy=copy))
    real_advance = jobs.advance

    def spy(job, **changes):
        if "processed_rows" in changes:
            seen.append(changes["processed_rows"])
        real_advance(job, **changes)

    monkeypatch.setattr(jobs, "advance", spy)
    with within_seconds(30):
        job = exports.run_export_job(job.id)

    # Python: after each page; COPY inside a test's transaction: at the end (see the next test). Then the finish.
    assert seen == ([0, 5, 5] if copy else [0, 2, 4, 5, 5])
    assert (job.status, job.total_rows) == (JobStatus.SUCCEEDED, 5)
    assert [row[0] for row in _rows(job.file.open("rb").read())[1:]] == [f"+141555500{i:02d}" for i in range(5)]


@pytest.mark.django_db(transaction=True)
def test_a_long_postgres_export_beats_its_heartbeat_from_another_connection(workspace, member, monkeypatch):
    """While COPY streams, the job's heartbeat is written by a second connection, so it never deadlocks."""
    import time

    from tests.imports.files import within_seconds

    services.require_postgres()
    monkeypatch.setattr(exports._Heartbeat, "EVERY", 0.02)
    for index in range(5):
        optout_services.opt_out(workspace=workspace, phone=f"+141555500{index:02d}", method=Method.MANUAL)
    claimed = jobs.claim(ExportJob, ExportJob.objects.create(workspace=workspace, requested_by=member).id)
    beats = []

    def report(rows):
        jobs.advance(claimed, processed_rows=rows)
        beats.append(rows)

    class SlowDisk(io.BytesIO):
        def write(self, data):
            time.sleep(0.03)
            return super().write(data)

    with within_seconds(30):
        rows = exports.write_export(workspace=workspace, out=SlowDisk(), on_progress=report, copy=True)

    assert rows == 5
    assert len(beats) >= 3 and beats[-1] == 5
    assert ExportJob.objects.get(pk=claimed.pk).processed_rows == 5

"""The evidence pack (SPEC §13, issue 16 item 5): one ZIP per number, everything in time order, member-only."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from django.urls import reverse

from compliance.models import ComplianceSettings
from messaging import services as messaging_services
from optouts import services
from optouts.models import EvidenceDownload
from tests.support.twilio import inbound

NUMBER = "+14155550123"
OTHER = "+14155550199"


def _url(phone=NUMBER, slug="acme") -> str:
    return reverse("optouts:evidence", kwargs={"slug": slug, "phone": phone})


def _pack(client, phone=NUMBER) -> zipfile.ZipFile:
    response = client.get(_url(phone))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="evidence-14155550123-')
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _csv_rows(archive: zipfile.ZipFile) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read("evidence.csv").decode("utf-8-sig"))))


def _story(client, workspace, member):
    """Consent by hand, a text out, STOP (with its confirmation), SUBSCRIBE, and a text to someone else."""
    ComplianceSettings.objects.create(workspace=workspace, confirmation_enabled=True)
    services.record_consent(workspace=workspace, phone=NUMBER, method="manual", text="Paper form", actor=member)
    messaging_services.send_message(workspace=workspace, to=NUMBER, body="Our sale starts today", actor=member)
    inbound(client, body="STOP", sid="SM1")
    inbound(client, body="SUBSCRIBE", sid="SM2")
    messaging_services.send_message(workspace=workspace, to=OTHER, body="Not theirs")


def test_the_pack_holds_every_consent_text_event_and_confirmation_in_time_order(client, workspace, member):
    _story(client, workspace, member)
    client.force_login(member)
    archive = _pack(client)
    assert sorted(archive.namelist()) == ["evidence.csv", "evidence.json", "manifest.json"]
    rows = _csv_rows(archive)
    kinds = [row["kind"] for row in rows]
    assert kinds == [
        "consent",
        "text_out",
        "text_in",
        "opt_out_event",
        "confirmation",
        "text_in",
        "opt_out_event",
        "consent",
        "evidence_download",
    ]
    assert [row["at"] for row in rows] == sorted(row["at"] for row in rows)
    assert all(row["at"].endswith("Z") for row in rows)
    texts = [row["text"] for row in rows]
    assert "Our sale starts today" in texts and "STOP" in texts and "Not theirs" not in texts
    assert rows[3]["summary"] == "Opted out" and rows[6]["summary"] == "Opted in"
    assert rows[0]["who"] == "alice" and rows[-1]["who"] == "alice"
    assert json.loads(rows[7]["details"])["message_id"] > 0


def test_the_json_timeline_matches_the_csv_and_the_manifest_counts_it(client, workspace, member):
    _story(client, workspace, member)
    client.force_login(member)
    archive = _pack(client)
    data = json.loads(archive.read("evidence.json"))
    rows = _csv_rows(archive)
    assert data["phone"] == NUMBER and data["workspace"] == "Acme Bakery"
    assert [e["kind"] for e in data["timeline"]] == [r["kind"] for r in rows]
    assert [e["text"] for e in data["timeline"]] == [r["text"] for r in rows]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"] == {
        "confirmation": 1,
        "consent": 2,
        "evidence_download": 1,
        "opt_out_event": 2,
        "text_in": 2,
        "text_out": 1,
    }


def test_the_download_is_recorded_on_the_numbers_history(member_client, workspace, member):
    services.record_consent(workspace=workspace, phone=NUMBER, method="manual", text="Paper form", actor=member)
    _pack(member_client)
    download = EvidenceDownload.objects.get(workspace=workspace)
    assert (download.phone, download.downloaded_by) == (NUMBER, member)
    history = member_client.get(reverse("optouts:history", kwargs={"slug": "acme", "phone": NUMBER}))
    page = history.content.decode()
    assert "Evidence pack downloaded" in page
    assert _url() in page, "the History page links to the pack"


def test_a_second_pack_lists_the_first_download(member_client, workspace):
    _pack(member_client)
    rows = _csv_rows(_pack(member_client))
    assert [r["kind"] for r in rows] == ["evidence_download", "evidence_download"]


def test_any_writing_of_the_number_gives_the_same_pack(member_client, workspace, member):
    services.record_consent(workspace=workspace, phone=NUMBER, method="manual", text="Paper form", actor=member)
    response = member_client.get(_url("4155550123"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert EvidenceDownload.objects.get().phone == NUMBER
    assert "Paper form" in archive.read("evidence.csv").decode("utf-8-sig")


def test_a_recipients_formula_is_neutralised_in_the_csv(client, workspace, member):
    inbound(client, body='=HYPERLINK("http://evil.example")')
    client.force_login(member)
    rows = _csv_rows(_pack(client))
    text_in = next(r for r in rows if r["kind"] == "text_in")
    assert text_in["text"] == '\'=HYPERLINK("http://evil.example")'


def test_outsider_gets_404_and_nothing_is_recorded(outsider_client, workspace):
    assert outsider_client.get(_url()).status_code == 404
    assert not EvidenceDownload.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, workspace):
    response = client.get(_url())
    assert response.status_code == 302 and "login" in response.url
    assert not EvidenceDownload.objects.exists()


def test_a_number_that_is_not_one_is_404(member_client, workspace):
    assert member_client.get(_url("not-a-number")).status_code == 404


def test_another_workspaces_texts_with_the_same_number_stay_out(member_client, workspace, other_workspace):
    messaging_services.send_message(workspace=other_workspace, to=NUMBER, body="Globex hello")
    services.record_consent(workspace=other_workspace, phone=NUMBER, method="api", text="Globex yes")
    content = _pack(member_client).read("evidence.csv").decode("utf-8-sig")
    assert "Globex" not in content


def test_a_double_opt_in_shows_its_prompt_and_the_consent_with_both_messages(
    client, workspace, member, django_capture_on_commit_callbacks
):
    ComplianceSettings.objects.create(workspace=workspace, double_opt_in_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, body="JOIN", sid="SMj")
        inbound(client, body="Y", sid="SMy")
    client.force_login(member)
    rows = _csv_rows(_pack(client))
    assert [r["kind"] for r in rows] == ["text_in", "double_opt_in_prompt", "text_in", "consent", "evidence_download"]
    source = json.loads(rows[3]["details"])
    assert source["join_text"] == "JOIN" and source["confirm_text"] == "Y"
    assert rows[3]["text"] == rows[1]["text"], "the consent's wording is the prompt they answered"


def test_times_keep_their_microseconds_even_when_they_are_zero():
    from datetime import UTC, datetime

    from optouts.evidence import _iso

    assert _iso(datetime(2026, 12, 4, 18, 35, 9, tzinfo=UTC)) == "2026-12-04T18:35:09.000000Z"

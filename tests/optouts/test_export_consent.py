"""The list's export with consent columns on request (issue 16 item 1; decision in docs/decisions.md)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from optouts import exports, services
from optouts.models import Consent, ExportJob
from tests.support import services as real_services

A, B = "+14155550123", "+14155550124"


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def story(workspace, member):
    services.record_consent(workspace=workspace, phone=A, method="manual", text="Old paper form", actor=member)
    services.record_consent(workspace=workspace, phone=A, method="api", text="=Later web form")
    services.record_consent(workspace=workspace, phone="+14155550999", method="api", text="Not on the list")
    services.opt_out(workspace=workspace, phone=A, method="manual", reason="Asked", actor=member)
    services.opt_out(workspace=workspace, phone=B, method="manual", reason="No consent", actor=member)


@pytest.mark.parametrize("copy", [True, False], ids=["postgres-copy", "python-keyset"])
def test_consent_columns_carry_each_numbers_latest_consent(workspace, story, copy):
    if copy:
        real_services.require_postgres()
    out = io.BytesIO()
    assert exports.write_export(workspace=workspace, out=out, copy=copy, consent=True) == 2
    header, first, second = _rows(out.getvalue())
    assert header == exports.HEADER + ["last_consent_at", "last_consent_method", "last_consent_text"]
    latest = Consent.objects.filter(phone=A).order_by("-created_at", "-id").first()
    assert first[0] == A and first[6:] == [
        latest.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "api",
        "'=Later web form",
    ]
    assert second[0] == B and second[6:] == ["", "", ""]


def test_copy_and_python_write_the_same_consent_columns(workspace, story):
    real_services.require_postgres()
    by_copy, by_python = io.BytesIO(), io.BytesIO()
    exports.write_export(workspace=workspace, out=by_copy, copy=True, consent=True)
    exports.write_export(workspace=workspace, out=by_python, copy=False, consent=True)
    assert _rows(by_copy.getvalue()) == _rows(by_python.getvalue())


def test_without_the_option_the_export_keeps_the_specs_columns(workspace, story):
    out = io.BytesIO()
    exports.write_export(workspace=workspace, out=out)
    assert _rows(out.getvalue())[0] == exports.HEADER


def test_the_export_page_option_adds_the_columns(member_client, workspace, story, django_capture_on_commit_callbacks):
    url = reverse("optouts:export", kwargs={"slug": "acme"})
    assert "Add consent columns" in member_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(url, {"consent": "on"})
    job = ExportJob.objects.get()
    assert job.include_consent
    download = member_client.get(reverse("optouts:export_download", kwargs={"slug": "acme", "pk": job.pk}))
    header = _rows(b"".join(download.streaming_content))[0]
    assert header[-3:] == ["last_consent_at", "last_consent_method", "last_consent_text"]

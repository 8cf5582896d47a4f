"""A contacts import with a consent column (SPEC §13, issue 16 item 1): the import is the proof."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contacts.consent_import import consent_column, is_yes
from contacts.models import Contact
from imports.models import JobStatus
from optouts.models import Consent
from optouts.services import is_opted_out, opt_out
from tests.imports.files import write_csv, write_xlsx
from tests.imports.importing import run_import, upload

PEOPLE = [
    ["Name", "Phone", "SMS consent"],
    ["Ann Archer", "+44 7911 123456", "yes"],
    ["Ben Baker", "(415) 555-0123", ""],
    ["Cat Cole", "+1 415 555 0124", "No"],
    ["Dan Dale", "+1 415 555 0125", "✓"],
    ["Ann again", "+447911123456", "yes"],
    ["Eve Error", "call me", "yes"],
]


def test_rows_marked_yes_get_a_consent_with_the_import_as_source(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "people.csv", PEOPLE)
    job = run_import(workspace, path, django_capture_on_commit_callbacks, kind="contacts", actor=member)
    assert job.status == JobStatus.SUCCEEDED, job.error
    consents = {c.phone: c for c in Consent.objects.filter(workspace=workspace)}
    assert set(consents) == {"+447911123456", "+14155550125"}, "yes and ✓ count; blank, No and the duplicate do not"
    ann = consents["+447911123456"]
    assert (ann.method, ann.created_by) == ("import", member)
    assert ann.source == {
        "import_id": job.id,
        "file": "people.csv",
        "row": 2,
        "column": "SMS consent",
        "value": "yes",
    }
    assert ann.text == "Marked “yes” in the “SMS consent” column of people.csv, row 2."
    assert Contact.objects.filter(workspace=workspace).count() == 4


def test_a_contact_already_present_still_gets_the_files_consent(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    Contact.objects.create(workspace=workspace, name="Ann (here)", phone="+447911123456")
    path = write_csv(tmp_path / "people.csv", PEOPLE[:2])
    run_import(workspace, path, django_capture_on_commit_callbacks, kind="contacts", actor=member)
    assert Consent.objects.get().phone == "+447911123456"
    assert Contact.objects.get().name == "Ann (here)"


def test_an_imported_consent_does_not_lift_an_opt_out(workspace, member, tmp_path, django_capture_on_commit_callbacks):
    opt_out(workspace=workspace, phone="+447911123456", method="manual")
    path = write_csv(tmp_path / "people.csv", PEOPLE[:2])
    run_import(workspace, path, django_capture_on_commit_callbacks, kind="contacts", actor=member)
    assert Consent.objects.count() == 1
    assert is_opted_out(workspace=workspace, phone="+447911123456")


def test_a_file_without_a_consent_column_records_none(workspace, member, tmp_path, django_capture_on_commit_callbacks):
    path = write_xlsx(tmp_path / "people.xlsx", [["Name", "Mobile", "Notes"], ["Zoë", 447911123456, "yes"]])
    job = run_import(workspace, path, django_capture_on_commit_callbacks, kind="contacts", actor=member)
    assert job.added == 1
    assert not Consent.objects.exists()


def test_an_opt_out_import_never_reads_a_consent_column(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "optouts.csv", [["Phone", "Consent"], ["+447911123456", "yes"]])
    run_import(workspace, path, django_capture_on_commit_callbacks, kind="optouts", actor=member)
    assert not Consent.objects.exists()


def test_the_map_step_names_the_consent_column(member_client, workspace, member, tmp_path):
    job = upload(workspace, write_csv(tmp_path / "people.csv", PEOPLE), kind="contacts", actor=member)
    page = member_client.get(reverse("contacts:import_map", kwargs={"slug": "acme", "pk": job.pk})).content.decode()
    assert "The column <strong>SMS consent</strong> is read as consent" in page


@pytest.mark.parametrize(
    ("headers", "index"),
    [
        (["Phone", "Consent"], 1),
        (["Phone", "Opted-in"], 1),
        (["Phone", "SMS Opt-In"], 1),
        (["Phone", "Notes", "Marketing consent"], 2),
        (["Phone", "Consent date"], None),
        (["Phone", "Notes"], None),
    ],
)
def test_the_consent_column_is_found_by_its_header(headers, index):
    assert consent_column(headers, taken=(0,)) == index


@pytest.mark.parametrize(
    ("cell", "yes"),
    [
        ("Yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("x", True),
        ("✓", True),
        ("opted in", True),
        ("no", False),
        ("", False),
        ("0", False),
        ("maybe", False),
    ],
)
def test_which_cells_mean_yes(cell, yes):
    assert is_yes(cell) is yes

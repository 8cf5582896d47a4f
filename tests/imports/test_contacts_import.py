"""Importing contacts through the same engine and pages as opt-outs (SPEC §8)."""

from __future__ import annotations

import html

from django.urls import reverse

from contacts.models import Contact
from imports.models import ImportJob, JobStatus
from optouts.models import OptOut, OptOutEvent

from .files import write_csv, write_xlsx
from .importing import run_import

PEOPLE = [
    ["Full name", "E-mail", "Cell phone"],
    ["Ann Archer", "ann@example.com", "+44 7911 123456"],
    ["Ben Baker", "", "(415) 555-0123"],
    ["Ann again", "ann2@example.com", "+447911123456"],
    ["Cat Cole", "not-an-email", "+1 415 555 0124"],
    ["Dan Dale", "dan@example.com", "call me"],
    ["Eve Existing", "eve@example.com", "+1 415 555 0125"],
]


def _url(name: str, workspace, **kwargs) -> str:
    return reverse(f"contacts:{name}", kwargs={"slug": workspace.slug, **kwargs})


def test_contacts_import_adds_people_and_skips_those_already_present(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    Contact.objects.create(workspace=workspace, name="Eve (already here)", phone="+14155550125")
    path = write_csv(tmp_path / "people.csv", PEOPLE)

    job = run_import(workspace, path, django_capture_on_commit_callbacks, kind="contacts", actor=member)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.added, job.duplicates, job.existing, job.invalid) == (2, 1, 1, 2)
    added = Contact.objects.filter(workspace=workspace).exclude(name="Eve (already here)")
    assert {(c.name, c.phone, c.email) for c in added} == {
        ("Ann Archer", "+447911123456", "ann@example.com"),
        ("Ben Baker", "+14155550123", ""),
    }
    # The existing contact is left as it was, and nothing touched the opt-out list.
    assert Contact.objects.get(phone="+14155550125").name == "Eve (already here)"
    assert OptOut.objects.count() == OptOutEvent.objects.count() == 0


def test_contacts_import_from_xlsx_made_by_openpyxl(workspace, member, tmp_path, django_capture_on_commit_callbacks):
    path = write_xlsx(tmp_path / "people.xlsx", [["Name", "Mobile"], ["Zoë", 447911123456], ["Yan", 4155550123]])

    job = run_import(workspace, path, django_capture_on_commit_callbacks, kind="contacts", actor=member)

    assert job.added == 2
    assert set(Contact.objects.values_list("name", "phone")) == {("Zoë", "+447911123456"), ("Yan", "+14155550123")}


def test_contacts_page_links_to_the_import(member_client, workspace):
    page = member_client.get(_url("list", workspace)).content.decode()
    assert f'href="{_url("import", workspace)}"' in page


def test_contacts_import_through_the_pages(member_client, workspace, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "people.csv", PEOPLE)
    with open(path, "rb") as handle:
        response = member_client.post(_url("import", workspace), {"file": handle}, follow=True)
    page = html.unescape(response.content.decode())
    job = ImportJob.objects.get(kind="contacts")
    assert response.redirect_chain[-1][0] == _url("import_map", workspace, pk=job.pk)
    # Name, email and phone columns are detected and previewed as they will be stored.
    assert '<option value="3" selected>Cell phone</option>' in page
    assert '<option value="1" selected>Full name</option>' in page
    assert '<option value="2" selected>E-mail</option>' in page
    assert "“not-an-email” is not a valid email address." in page

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            _url("import_map", workspace, pk=job.pk), {"phone_column": "3", "name_column": "1", "email_column": ""}
        )
    summary = member_client.get(response.url).content.decode()

    assert 'data-count="added">4<' in summary  # without the email column, Cat's row is fine
    assert "Already a contact" in summary
    assert Contact.objects.filter(email="").count() == 4


def test_an_opt_outs_import_is_not_reachable_as_a_contacts_import(
    member_client, workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "list.csv", [["phone"], ["+447911123456"]])
    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)

    assert member_client.get(_url("import_job", workspace, pk=job.pk)).status_code == 404
    assert member_client.get(reverse("optouts:import_job", kwargs={"slug": "acme", "pk": job.pk})).status_code == 200

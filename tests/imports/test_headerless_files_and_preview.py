"""Issue 13: a file with no header row imports every number; the preview reads like the list
and flags what the import will skip; the summary links to exactly the rows the import added."""

from __future__ import annotations

import re

from django.urls import reverse

from imports.models import JobStatus
from optouts import services as optout_services
from optouts.models import Method, OptOut

from .files import write_csv, write_xlsx
from .importing import run_import, upload


def _url(name: str, workspace, **kwargs) -> str:
    return reverse(f"optouts:{name}", kwargs={"slug": workspace.slug, **kwargs})


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


NUMBERS_ONLY = [["2015554098"], ["(201) 555-4099"], ["+1 201 555 4100"]]


def test_a_csv_of_numbers_with_no_header_imports_every_number(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "numbers.csv", NUMBERS_ONLY)
    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert not job.has_header_row
    assert (job.added, job.total_rows) == (3, 3)
    assert set(OptOut.objects.values_list("phone", flat=True)) == {"+12015554098", "+12015554099", "+12015554100"}


def test_an_xlsx_of_numbers_with_no_header_imports_every_number(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_xlsx(tmp_path / "numbers.xlsx", [[2015554098], [2015554099]])
    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)
    assert (job.status, job.added) == (JobStatus.SUCCEEDED, 2), job.error


def test_a_file_of_a_single_number_is_one_row_not_a_header(
    workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "one.csv", [["2015554098"]])
    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)
    assert (job.status, job.added) == (JobStatus.SUCCEEDED, 1), job.error


def test_a_file_with_a_header_still_skips_it(workspace, member, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "list.csv", [["Cell"], ["2015554098"], ["2015554099"]])
    job = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)
    assert job.has_header_row
    assert (job.added, job.invalid) == (2, 0)


def test_the_map_step_says_the_file_has_no_header_and_previews_row_one(member_client, workspace, member, tmp_path):
    job = upload(workspace, write_csv(tmp_path / "numbers.csv", NUMBERS_ONLY), actor=member)
    page = member_client.get(_url("import_map", workspace, pk=job.pk)).content.decode()
    assert "this file has no header row: every row, the first included, is imported" in text(page)
    assert 'data-row="1"' in page
    assert "Column A" in page


def test_preview_shows_numbers_as_the_list_does_and_flags_what_will_be_skipped(
    member_client, workspace, member, tmp_path
):
    optout_services.opt_out(workspace=workspace, phone="+12015554099", method=Method.MANUAL)
    rows = [["Phone"], ["2015554098"], ["(201) 555-4099"], ["+1 201-555-4098"], ["nope"]]
    job = upload(workspace, write_csv(tmp_path / "list.csv", rows), actor=member)
    page = member_client.get(_url("import_map", workspace, pk=job.pk)).content.decode()

    def row(n: int) -> str:
        start = page.index(f'<tr data-row="{n}"')
        return text(page[start : page.index("</tr>", start)])

    assert row(2) == "2 2015554098 +1 201-555-4098"
    assert row(3) == "3 (201) 555-4099 +1 201-555-4099 Already opted out Skipped."
    assert row(4) == "4 +1 201-555-4098 +1 201-555-4098 Duplicate Same number as row 2: skipped."
    assert "“nope” is not a valid phone number." in row(5)


def test_the_contacts_preview_flags_numbers_that_already_have_a_contact(member_client, workspace, member, tmp_path):
    from contacts.models import Contact

    Contact.objects.create(workspace=workspace, name="Dana", phone="+12015554098")
    path = write_csv(tmp_path / "people.csv", [["Name", "Phone"], ["Dana", "2015554098"], ["Eli", "2015554099"]])
    job = upload(workspace, path, kind="contacts", actor=member)
    page = member_client.get(reverse("contacts:import_map", kwargs={"slug": "acme", "pk": job.pk})).content.decode()
    assert 'data-flag="existing">Already a contact<' in page
    assert page.count('data-flag="existing"') == 1


def test_the_summary_links_to_exactly_the_rows_the_import_added(
    member_client, workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    optout_services.opt_out(workspace=workspace, phone="+12015554099", method=Method.MANUAL, actor=member)
    earlier = run_import(
        workspace, write_csv(tmp_path / "a.csv", [["Phone"], ["2015550001"]]), django_capture_on_commit_callbacks
    )
    job = run_import(
        workspace,
        write_csv(tmp_path / "b.csv", [["Phone"], ["2015554098"], ["2015554099"], ["2015554100"], ["2015550001"]]),
        django_capture_on_commit_callbacks,
        actor=member,
    )
    assert job.added == 2
    summary = member_client.get(_url("import_job", workspace, pk=job.pk)).content.decode()
    link = f"{_url('list', workspace)}?import={job.pk}"
    assert f'href="{link}" data-added-link>Show the 2 numbers this import added<' in summary

    listed = member_client.get(link).content.decode()
    assert re.findall(r'<tr data-phone="([^"]+)"', listed) == ["+12015554100", "+12015554098"]
    assert "2 numbers match." in text(listed)
    assert "Showing the numbers added by the import of b.csv" in text(listed)
    assert earlier.pk != job.pk


def test_an_edited_imported_row_stays_in_its_imports_list(
    member_client, workspace, member, tmp_path, django_capture_on_commit_callbacks
):
    job = run_import(
        workspace, write_csv(tmp_path / "b.csv", [["Phone"], ["2015554098"]]), django_capture_on_commit_callbacks
    )
    optout = OptOut.objects.get(phone="+12015554098")
    optout_services.edit_opt_out(workspace=workspace, optout=optout, phone="2015554111", reason="typo", actor=member)
    listed = member_client.get(_url("list", workspace), {"import": job.pk}).content.decode()
    assert re.findall(r'<tr data-phone="([^"]+)"', listed) == ["+12015554111"]


def test_another_workspaces_import_id_matches_nothing(
    member_client, workspace, other_workspace, tmp_path, django_capture_on_commit_callbacks
):
    theirs = run_import(
        other_workspace,
        write_csv(tmp_path / "b.csv", [["Phone"], ["+447911123456"]]),
        django_capture_on_commit_callbacks,
    )
    listed = member_client.get(_url("list", workspace), {"import": theirs.pk}).content.decode()
    assert re.findall(r'<tr data-phone="([^"]+)"', listed) == []
    assert "Showing the numbers added by" not in listed

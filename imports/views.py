"""The import pages, shared by opt-outs and contacts: Upload → Map → progress and summary.

Each app gets its four views from :func:`views_for` with its target's name
(imports.targets);
they are wrapped by ``workspace_view``, so ``request.workspace`` is set and
non-members get 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from emuchat.forms import apply_validation_error
from workspaces.access import workspace_view

from . import mapping, services, targets, uploads
from .forms import MapForm, UploadForm
from .models import ImportJob, JobStatus
from .targets import Target

RECENT_JOBS = 10


def _job(request: HttpRequest, target: Target, pk: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.select_related("requested_by"), workspace=request.workspace, kind=target.name, pk=pk
    )


def _context(request: HttpRequest, target: Target, **extra) -> dict:
    return {"target": target, "list_url": target.url("list", request), **extra}


def upload(request: HttpRequest, target: Target) -> HttpResponse:
    """GET: the upload form and recent imports. POST: keep the file, go to the Map step.

    The size cap must be in place before anything reads the body, CSRF
    included, hence the handler is installed here and CSRF checked after.
    """
    cap = uploads.install(request, settings.IMPORT_MAX_UPLOAD_BYTES)
    return _upload(request, target, cap)


@csrf_protect
def _upload(request: HttpRequest, target: Target, cap: uploads.SizeCapHandler) -> HttpResponse:
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if cap.exceeded:
            form.is_valid()
            form.errors.clear()
            form.add_error("file", cap.message)
        elif form.is_valid():
            try:
                job = services.create_import(
                    workspace=request.workspace,
                    kind=target.name,
                    upload=form.cleaned_data["file"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    phone_column=form.cleaned_data["phone_column"],
                )
            except ValidationError as error:
                apply_validation_error(form, error, "file")
            else:
                return redirect(target.url("import_map", request, pk=job.pk))
    jobs = ImportJob.objects.filter(workspace=request.workspace, kind=target.name).order_by("-created_at", "-id")
    status = 400 if form.errors else 200
    return render(
        request,
        "imports/upload.html",
        _context(
            request,
            target,
            form=form,
            jobs=list(jobs.select_related("requested_by")[:RECENT_JOBS]),
            max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
        ),
        status=status,
    )


def map_columns(request: HttpRequest, target: Target, pk: int) -> HttpResponse:
    """Confirm or change the detected columns, see the first rows as they will be stored, start."""
    job = _job(request, target, pk)
    if job.status != JobStatus.MAPPING:
        return redirect(target.url("import_job", request, pk=job.pk))
    try:
        found = services.inspect_job(job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(target.url("import", request))
    initial = {
        "phone_column": _choice(job.phone_index),
        "name_column": _choice(job.name_index),
        "email_column": _choice(job.email_index),
        "reason": job.reason,
    }
    bound = request.POST if request.method == "POST" else (request.GET if "phone_column" in request.GET else None)
    form = MapForm(bound, initial=initial, choices=found.choices, contacts=target.contacts)
    columns = mapping.Columns(job.phone_index, job.name_index, job.email_index)
    if form.is_bound and form.is_valid():
        chosen = form.columns()
        if request.method == "POST":
            try:
                services.start_import(job=job, reason=form.cleaned_data.get("reason", ""), **chosen)
            except ValidationError as error:
                apply_validation_error(form, error, "phone_column")
            else:
                messages.success(request, f"Import of {job.original_name} started. You can leave this page.")
                return redirect(target.url("import_job", request, pk=job.pk))
        columns = mapping.Columns(chosen["phone_column"], chosen["name_column"], chosen["email_column"])
    staged = mapping.preview(found, columns, region=request.workspace.default_region, contacts=target.contacts)
    numbers = [row.phone for row in staged if row.phone]
    existing = target.find_existing(request.workspace, numbers) if numbers else set()
    rows = mapping.flag_preview(staged, existing=existing)
    return render(
        request,
        "imports/map.html",
        _context(
            request,
            target,
            job=job,
            form=form,
            rows=rows,
            has_header=found.has_header,
            phone_label=mapping.column_label(found.headers, columns.phone),
            name_label=mapping.column_label(found.headers, columns.name),
            email_label=mapping.column_label(found.headers, columns.email),
            consent_label=_consent_label(target, found, columns),
        ),
    )


def _consent_label(target: Target, found: mapping.Inspection, columns: mapping.Columns) -> str:
    """The file's consent column, named on the Map step, when the target reads one."""
    index = target.consent_column(found.headers, columns, has_header=found.has_header)
    return "" if index is None else found.headers[index]


def _choice(index: int | None) -> str:
    return "" if index is None else str(index + 1)


def job_detail(request: HttpRequest, target: Target, pk: int) -> HttpResponse:
    job = _job(request, target, pk)
    return render_polled(request, "imports/job.html", "imports/_job_fragment.html", _context(request, target, job=job))


def render_polled(request: HttpRequest, page: str, fragment: str, context: dict, *, status: int = 200) -> HttpResponse:
    """A background job's page, or just its fragment when app.js polls for progress."""
    if request.headers.get("X-Requested-With") == "fetch":
        response = render(request, fragment, context)
    else:
        response = render(request, page, context, status=status)
    patch_vary_headers(response, ["X-Requested-With"])
    return response


def invalid_rows(request: HttpRequest, target: Target, pk: int) -> FileResponse:
    job = _job(request, target, pk)
    if not job.invalid_file:
        raise Http404("This import has no invalid rows.")
    stem = job.original_name.rsplit(".", 1)[0] or "import"
    return FileResponse(
        job.invalid_file.open("rb"),
        as_attachment=True,
        filename=f"{stem}-invalid-rows.csv",
        content_type="text/csv; charset=utf-8",
    )


View = Callable[..., HttpResponse]


class ImportViews(NamedTuple):
    start: View
    map: View
    job: View
    invalid: View


def views_for(name: str) -> ImportViews:
    """One target's import views (upload, map, job, invalid rows), members only, for its app's URL module."""

    # csrf_exempt only defers the check: upload() installs the size cap first
    # (the token is in the body the cap must see) and then checks CSRF.
    @csrf_exempt
    @workspace_view
    @require_http_methods(["GET", "POST"])
    def start(request: HttpRequest) -> HttpResponse:
        return upload(request, targets.get(name))

    @workspace_view
    @require_http_methods(["GET", "POST"])
    def map_(request: HttpRequest, pk: int) -> HttpResponse:
        return map_columns(request, targets.get(name), pk)

    @workspace_view
    def job(request: HttpRequest, pk: int) -> HttpResponse:
        return job_detail(request, targets.get(name), pk)

    @workspace_view
    def invalid(request: HttpRequest, pk: int) -> HttpResponse:
        return invalid_rows(request, targets.get(name), pk)

    return ImportViews(start, map_, job, invalid)

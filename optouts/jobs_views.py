"""Import and export pages of the opt-out list (the import flow itself is imports.views)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from imports import views as imports
from imports.models import JobStatus
from workspaces.access import workspace_view

from . import exports
from .import_target import NAME
from .models import ExportJob

RECENT_EXPORTS = 10

import_start, import_map, import_job, import_invalid = imports.views_for(NAME)


class ExportForm(forms.Form):
    notify = forms.BooleanField(label="Email me when it's ready", required=False)
    consent = forms.BooleanField(
        label="Add consent columns",
        required=False,
        help_text="last_consent_at, last_consent_method, last_consent_text: each number's latest consent record, "
        "if it has one (the number's evidence pack has them all).",
    )


def _export(request: HttpRequest, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob.objects.select_related("workspace"), workspace=request.workspace, pk=pk)


@workspace_view
@require_http_methods(["GET", "POST"])
def export_start(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST if request.method == "POST" else None, initial={"notify": True})
    if request.method == "POST" and form.is_valid():
        job = exports.start_export(
            workspace=request.workspace,
            actor=request.user,
            notify=form.cleaned_data["notify"],
            include_consent=form.cleaned_data["consent"],
        )
        job.refresh_from_db(fields=["status"])
        # Without a broker the file is written before this redirect: the note says what is true now.
        if job.status == JobStatus.SUCCEEDED:
            messages.success(request, "Your export is ready.")
        elif job.is_active:
            note = " We'll email you when it's ready." if job.notify else ""
            messages.success(request, f"Your export is being prepared.{note}")
        return redirect("optouts:export_job", slug=request.workspace.slug, pk=job.pk)
    recent = ExportJob.objects.filter(workspace=request.workspace).select_related("requested_by")
    return render(
        request,
        "optouts/export.html",
        {
            "form": form,
            "jobs": list(recent.order_by("-created_at", "-id")[:RECENT_EXPORTS]),
            "retention_days": settings.EXPORT_RETENTION_DAYS,
        },
    )


@workspace_view
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The download page the email links to; polled for its fragment while the file is prepared."""
    job = _export(request, pk)
    context = {"job": job, "file_name": exports.file_name(job), "retention_days": settings.EXPORT_RETENTION_DAYS}
    status = 410 if job.expired else 200
    return imports.render_polled(
        request, "optouts/export_job.html", "optouts/_export_fragment.html", context, status=status
    )


@workspace_view
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _export(request, pk)
    if job.status != JobStatus.SUCCEEDED or job.expired or not job.file:
        # Not ready, failed or expired: the page says which.
        return redirect("optouts:export_job", slug=request.workspace.slug, pk=job.pk)
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=exports.file_name(job), content_type="text/csv; charset=utf-8"
    )

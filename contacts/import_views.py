"""The contacts import: the same engine and pages as the opt-outs import (imports.views)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from imports import views as imports
from workspaces.access import workspace_view


# csrf_exempt only defers the check until the upload size cap is installed (see imports.views.upload).
@csrf_exempt
@workspace_view
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    return imports.upload(request, imports.CONTACTS)


@workspace_view
@require_http_methods(["GET", "POST"])
def import_map(request: HttpRequest, pk: int) -> HttpResponse:
    return imports.map_columns(request, imports.CONTACTS, pk)


@workspace_view
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    return imports.job_detail(request, imports.CONTACTS, pk)


@workspace_view
def import_invalid(request: HttpRequest, pk: int) -> FileResponse:
    return imports.invalid_rows(request, imports.CONTACTS, pk)

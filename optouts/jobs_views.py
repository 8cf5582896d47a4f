"""Import and export pages (placeholders until the import/export work lands)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workspaces.access import workspace_view


@workspace_view
def import_start(request: HttpRequest) -> HttpResponse:
    return render(request, "optouts/not_yet.html", {"title": "Import opt-outs"})


@workspace_view
def export_start(request: HttpRequest) -> HttpResponse:
    return render(request, "optouts/not_yet.html", {"title": "Export opt-outs"})

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from workspaces.access import workspace_view

from . import selectors, services
from .forms import BulkSendForm, SenderRateForm
from .models import Message


@workspace_view
def message_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = paginate(selectors.messages_for(request.workspace, status), request.GET)
    return render(
        request,
        "messaging/list.html",
        {
            "page_obj": page,
            "statuses": Message.Status.choices,
            "status_help": selectors.STATUS_HELP,
            "failure_help": selectors.FAILURE_HELP,
            "query_without_page": query_without_page(request.GET),
        },
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def bulk_send(request: HttpRequest) -> HttpResponse:
    # Contacts ticked on the Contacts page arrive as ?contacts=1&contacts=2.
    initial = {"contacts": request.GET.getlist("contacts")}
    form = BulkSendForm(request.POST or None, workspace=request.workspace, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.send_bulk(
                workspace=request.workspace,
                recipients=list(form.cleaned_data["contacts"]),
                body=form.cleaned_data["body"],
                actor=request.user,
                scheduled_for=form.cleaned_data["scheduled_for"],
            )
        except ValidationError as error:
            apply_validation_error(form, error, "body")
        else:
            outcome = Counter(m.failure_reason or m.status for m in sent)
            accepted = outcome["queued"] + outcome["scheduled"]
            verb = "scheduled" if outcome["scheduled"] else "sent"
            summary = f"Bulk send: {verb} {accepted}, blocked as opted out {outcome['opted_out']}"
            if outcome["invalid_number"]:
                summary += f", invalid number {outcome['invalid_number']}"
            messages.success(request, summary + ".")
            return redirect("messaging:list", slug=request.workspace.slug)
    blocked = selectors.opted_out_contact_numbers(request.workspace)
    return render(request, "messaging/bulk.html", {"form": form, "blocked": blocked})


@workspace_view
@require_http_methods(["POST"])
def sender_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Settings: how many texts per second one of the workspace's numbers may send."""
    sender = get_object_or_404(request.workspace.sender_numbers, pk=pk)
    form = SenderRateForm(request.POST)
    if form.is_valid():
        services.set_sender_rate(
            workspace=request.workspace, sender=sender, rate_per_second=form.cleaned_data["rate_per_second"]
        )
        messages.success(request, f"{sender.phone} now sends at most {sender.rate_per_second} texts per second.")
    else:
        messages.error(request, f"Rate for {sender.phone}: {' '.join(form.errors['rate_per_second'])}")
    return redirect("workspaces:settings", slug=request.workspace.slug)

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from imports.views import render_polled
from optouts import services as optout_services
from workspaces.access import owner_view, workspace_view

from . import bulk, recipients, selectors, services
from .forms import BulkSendForm, SenderRateForm
from .models import Message


@workspace_view
def message_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    bulk_send = request.GET.get("bulk_send", "")[:12]
    page = paginate(selectors.messages_for(request.workspace, status, bulk_send), request.GET)
    return render(
        request,
        "messaging/list.html",
        {
            "page_obj": page,
            "statuses": Message.Status.choices,
            "status_help": selectors.STATUS_HELP,
            "failure_help": selectors.FAILURE_HELP,
            "query_without_page": query_without_page(request.GET),
            "bulk_send": bulk_send if bulk_send.isdigit() else "",
        },
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def bulk_send(request: HttpRequest) -> HttpResponse:
    """Choose a group, see what will happen (how many are blocked), then confirm (issue 12)."""
    workspace = request.workspace
    # Contacts ticked on the Contacts page arrive as ?contacts=1&contacts=2 (one page of them at most).
    ticked = request.GET.getlist("contacts")
    initial = {"contacts": ticked, "audience": "selected" if ticked else "all"}
    form = BulkSendForm(request.POST or None, request.FILES or None, workspace=workspace, initial=initial)
    summary = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["upload"]
        if data["audience"] == "csv" and data["csv_file"]:
            upload = recipients.keep_upload(workspace=workspace, file=data["csv_file"])
        group = dict(
            audience=data["audience"],
            contacts=data["contacts"],
            search=data["search"],
            numbers=data["numbers"],
            upload=upload,
        )
        confirmed = request.POST.get("confirm") == "1"
        # Confirming a pasted list or a CSV does not read it again: the job does (the review already did).
        if not confirmed or recipients.from_contacts(data["audience"]):
            summary = recipients.summarise_group(workspace=workspace, **group)
        if summary is not None and not summary.total:
            form.add_error(None, "That group has no phone numbers in it.")
            summary = None
        elif not confirmed:
            bound = request.POST.copy()
            bound["upload"] = upload  # The CSV stays on the server until the send is confirmed.
            form = BulkSendForm(bound, workspace=workspace)
            form.is_valid()
        else:
            try:
                started = bulk.start_bulk_send(
                    workspace=workspace,
                    audience=data["audience"],
                    criteria=recipients.criteria_for(**group),
                    body=data["body"],
                    actor=request.user,
                    scheduled_for=data["scheduled_for"],
                )
            except ValidationError as error:
                summary = None
                apply_validation_error(form, error, "body")
            else:
                messages.success(request, f"Bulk send #{started.pk} started: its texts are being created.")
                return redirect("messaging:bulk_send_detail", slug=workspace.slug, pk=started.pk)
    chosen = form["contacts"].value() or []
    selected = list(form.fields["contacts"].queryset.filter(pk__in=[pk for pk in chosen if str(pk).isdigit()])[:500])
    return render(
        request,
        "messaging/bulk.html",
        {
            "form": form,
            "summary": summary,
            "selected": selected,
            "blocked": optout_services.opted_out_among(workspace=workspace, phones=[c.phone for c in selected]),
            "contact_count": form.fields["contacts"].queryset.count(),
        },
    )


@workspace_view
def bulk_send_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.bulk_sends_for(request.workspace), request.GET)
    return render(request, "messaging/bulk_send_list.html", {"page_obj": page})


@workspace_view
def bulk_send_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One bulk send: progress while its texts are created, then its counts and opt-out rate."""
    bulk_send = get_object_or_404(selectors.bulk_sends_for(request.workspace), pk=pk)
    context = {"bulk_send": bulk_send, "outcome": None if bulk_send.is_active else bulk.outcome(bulk_send)}
    return render_polled(request, "messaging/bulk_send_detail.html", "messaging/_bulk_send_fragment.html", context)


@owner_view
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

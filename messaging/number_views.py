"""Settings → Sender numbers (owners only; URL names in the ``workspaces`` namespace)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from emuchat.forms import apply_validation_error
from emuchat.phones import format_international
from workspaces.access import owner_view

from . import numbers


class SenderNumberForm(forms.Form):
    phone = forms.CharField(
        max_length=40,
        label="Phone number",
        help_text="Any writing: +1 415 555 0100, (415) 555-0100, 0044 20 7946 0002…",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    label = forms.CharField(
        max_length=80, required=False, label="Label (optional)", help_text="e.g. “Main line”, “Support”."
    )


@owner_view
@require_http_methods(["GET", "POST"])
def sender_numbers(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    form = SenderNumberForm(request.POST or None)
    wiring = None
    added = None
    if request.method == "POST" and form.is_valid():
        try:
            added, wiring = numbers.add_sender_number(workspace=workspace, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error, "phone")
        else:
            shown = format_international(added.phone)
            if wiring.configured and wiring.changes:
                messages.success(request, f"{shown} added, and its Twilio webhooks now point at emu.chat.")
            elif wiring.configured:
                messages.success(request, f"{shown} added; its Twilio webhooks already pointed at emu.chat.")
            else:
                messages.success(request, f"{shown} added. Set its webhooks in the Twilio console as shown below.")
            form = SenderNumberForm()
    return render(
        request,
        "workspaces/sender_numbers.html",
        {
            "form": form,
            "numbers": workspace.sender_numbers.all(),
            "added": added,
            "wiring": wiring,
            "urls": numbers.webhook_urls(),
            "has_credentials": numbers.twilio_client(workspace) is not None,
        },
        status=400 if request.method == "POST" and not added else 200,
    )


@owner_view
@require_POST
def sender_number_wire(request: HttpRequest, pk: int) -> HttpResponse:
    number = get_object_or_404(request.workspace.sender_numbers, pk=pk)
    shown = format_international(number.phone)
    try:
        wiring = numbers.wire_sender_number(workspace=request.workspace, number=number, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if wiring.changes:
            messages.success(request, f"{shown}: " + "; ".join(wiring.changes) + ".")
        else:
            messages.success(request, f"{shown}: its Twilio webhooks already pointed at emu.chat; nothing changed.")
    return redirect("workspaces:sender_numbers", slug=request.workspace.slug)


@owner_view
@require_http_methods(["GET", "POST"])
def sender_number_remove(request: HttpRequest, pk: int) -> HttpResponse:
    number = get_object_or_404(request.workspace.sender_numbers, pk=pk)
    back = reverse("workspaces:sender_numbers", kwargs={"slug": request.workspace.slug})
    shown = format_international(number.phone)
    if request.method == "POST":
        try:
            numbers.remove_sender_number(workspace=request.workspace, number=number, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{shown} removed. Texts to it no longer reach {request.workspace.name}; "
                "its settings in Twilio were left as they are.",
            )
        return redirect(back)
    return render(
        request,
        "components/confirm.html",
        {
            "title": "Remove sender number",
            "question": f"Remove {shown}{f' ({number.label})' if number.label else ''} from {request.workspace.name}?",
            "detail": "You can no longer send from it, and replies to it (including STOPs) no longer reach this "
            "workspace. Conversations and history stay. The number stays in your Twilio account.",
            "confirm_label": "Remove number",
            "cancel_url": back,
        },
    )

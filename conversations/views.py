from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from contacts.models import Contact
from emuchat import phones
from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from messaging import services as messaging_services
from optouts import selectors as optout_selectors
from optouts import services as optout_services
from optouts.forms import OptInForm
from optouts.notes import cancelled_note
from workspaces import zones
from workspaces.access import workspace_view

from . import selectors, services
from .forms import ComposerForm, NewMessageForm
from .models import Conversation


def _get_conversation(request: HttpRequest, pk: int) -> Conversation:
    return get_object_or_404(Conversation.objects.select_related("contact"), workspace=request.workspace, pk=pk)


@workspace_view
def conversation_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.conversations_for(request.workspace, request.GET.get("q", "")), request.GET)
    numbers = [c.phone for c in page.object_list]
    blocked = optout_services.opted_out_among(workspace=request.workspace, phones=numbers)
    return render(
        request,
        "conversations/list.html",
        {"page_obj": page, "blocked": blocked, "query_without_page": query_without_page(request.GET)},
    )


def _render_thread(request: HttpRequest, conversation: Conversation, form: ComposerForm) -> HttpResponse:
    workspace, phone = request.workspace, conversation.phone
    thread, truncated = selectors.thread_for(conversation)
    return render(
        request,
        "conversations/detail.html",
        {
            "conversation": conversation,
            "thread": thread,
            "truncated": truncated,
            "optout": optout_selectors.optouts_by_phone(workspace, [phone]).get(phone),
            "contacts": optout_selectors.contacts_by_phone(workspace, [phone]).get(phone, []),
            "form": form,
        },
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _get_conversation(request, pk)
    form = ComposerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = messaging_services.send_message(
                workspace=request.workspace,
                to=conversation.phone,
                body=form.cleaned_data["body"],
                sender=conversation.sender,
                actor=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error, "body")
        else:
            if message.failure_reason == "opted_out":
                messages.error(request, "Not sent: this number has opted out, so emu.chat blocked the text.")
            else:
                messages.success(request, "Text queued for sending.")
            return redirect("conversations:detail", slug=request.workspace.slug, pk=conversation.pk)
    return _render_thread(request, conversation, form)


@workspace_view
@require_http_methods(["GET", "POST"])
def conversation_new(request: HttpRequest) -> HttpResponse:
    initial = {"to": request.GET.get("to", "")}
    if contact_id := request.GET.get("contact", ""):
        contact = get_object_or_404(Contact, workspace=request.workspace, pk=contact_id if contact_id.isdigit() else 0)
        initial["to"] = phones.format_international(contact.phone)
    form = NewMessageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            message = messaging_services.send_message(
                workspace=request.workspace,
                to=form.cleaned_data["to"],
                body=form.cleaned_data["body"],
                actor=request.user,
                scheduled_for=form.cleaned_data["scheduled_for"],
            )
        except ValidationError as error:
            apply_validation_error(form, error, "to")
        else:
            number = phones.format_international(message.to_phone)
            if message.failure_reason == "opted_out":
                messages.error(request, f"Not sent: {number} has opted out, so emu.chat blocked the text.")
            elif message.status == "scheduled":
                when = zones.when(message.scheduled_for)
                messages.success(request, f"Text to {number} scheduled for {when}.")
            else:
                messages.success(request, f"Text to {number} queued for sending.")
            return redirect("conversations:detail", slug=request.workspace.slug, pk=message.conversation_id)
    return render(
        request,
        "conversations/new.html",
        {"form": form, "contact_choices": selectors.contact_choices(request.workspace)},
    )


@workspace_view
@require_POST
def conversation_opt_out(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _get_conversation(request, pk)
    _, cancelled = services.opt_out_conversation(
        workspace=request.workspace, conversation=conversation, actor=request.user
    )
    note = cancelled_note(cancelled)
    messages.success(
        request, f"{phones.format_international(conversation.phone)} is opted out: no texts will be sent to it.{note}"
    )
    return redirect("conversations:detail", slug=request.workspace.slug, pk=conversation.pk)


@workspace_view
@require_http_methods(["GET", "POST"])
def conversation_opt_in(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (saying how they opted out); POST opts the number in, with an optional reason."""
    conversation = _get_conversation(request, pk)
    number = phones.format_international(conversation.phone)
    form = OptInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.opt_in_conversation(
            workspace=request.workspace,
            conversation=conversation,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{number} is opted in and can be texted again.")
        return redirect("conversations:detail", slug=request.workspace.slug, pk=conversation.pk)
    optout = optout_selectors.optouts_by_phone(request.workspace, [conversation.phone]).get(conversation.phone)
    return render(
        request,
        "optouts/opt_in_confirm.html",
        {
            "number": number,
            "who": str(conversation.contact) if conversation.contact else "",
            "story": optout_selectors.how_opted_out(optout) if optout else "This number is not opted out.",
            "asked_themselves": bool(optout and optout.method in ("reply", "link")),
            "form": form,
            "cancel_url": reverse("conversations:detail", kwargs={"slug": request.workspace.slug, "pk": pk}),
        },
    )

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from emuchat import phones
from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from optouts import selectors as optout_selectors
from optouts.forms import OptInForm
from optouts.notes import cancelled_note
from workspaces.access import workspace_view

from . import selectors, services
from .forms import ContactForm
from .models import Contact


def _get_contact(request: HttpRequest, pk: int) -> Contact:
    return get_object_or_404(Contact, workspace=request.workspace, pk=pk)


@workspace_view
def contact_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.contacts_for(request.workspace, request.GET.get("q", "")), request.GET)
    optouts = optout_selectors.optouts_by_phone(request.workspace, [c.phone for c in page.object_list])
    rows = [{"contact": c, "optout": optouts.get(c.phone)} for c in page.object_list]
    return render(
        request,
        "contacts/list.html",
        {"rows": rows, "page_obj": page, "query_without_page": query_without_page(request.GET)},
    )


@workspace_view
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    optout = optout_selectors.optouts_by_phone(request.workspace, [contact.phone]).get(contact.phone)
    conversation = request.workspace.conversations.filter(phone=contact.phone).first() if contact.phone else None
    return render(request, "contacts/detail.html", {"contact": contact, "optout": optout, "conversation": conversation})


@workspace_view
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.create_contact(workspace=request.workspace, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error, "phone")
        else:
            messages.success(request, f"Contact {contact} added.")
            return redirect("contacts:detail", slug=request.workspace.slug, pk=contact.pk)
    return render(request, "contacts/form.html", {"form": form, "title": "New contact"})


@workspace_view
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    initial = {"name": contact.name, "phone": phones.format_international(contact.phone), "email": contact.email}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(contact=contact, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error, "phone")
        else:
            messages.success(request, f"Contact {contact} saved.")
            return redirect("contacts:detail", slug=request.workspace.slug, pk=contact.pk)
    return render(request, "contacts/form.html", {"form": form, "title": f"Edit {contact}", "contact": contact})


def _back(request: HttpRequest) -> HttpResponse:
    # Back to the list or page the menu was used on; only our own workspace's pages.
    target = request.POST.get("next", "")
    if target.startswith(f"/w/{request.workspace.slug}/") and url_has_allowed_host_and_scheme(target, None):
        return redirect(target)
    return redirect("contacts:list", slug=request.workspace.slug)


def _change_opt_out(
    request: HttpRequest, pk: int, service: Callable[..., object], outcome: Callable[[object], str], **extra
) -> HttpResponse:
    contact = _get_contact(request, pk)
    try:
        result = service(workspace=request.workspace, contact=contact, actor=request.user, **extra)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{contact} ({phones.format_international(contact.phone)}) {outcome(result)}")
    return _back(request)


@workspace_view
@require_POST
def contact_opt_out(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_opt_out(
        request,
        pk,
        services.opt_out_contact,
        lambda optout: "is opted out. No texts will be sent to this number." + cancelled_note(optout.cancelled_texts),
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def contact_opt_in(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (saying how they opted out); POST opts the number in, with an optional reason."""
    contact = _get_contact(request, pk)
    form = OptInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return _change_opt_out(
            request,
            pk,
            services.opt_in_contact,
            lambda _: "is opted in and can be texted again.",
            reason=form.cleaned_data["reason"],
        )
    optout = optout_selectors.optouts_by_phone(request.workspace, [contact.phone]).get(contact.phone)
    cancel_url = reverse("contacts:detail", kwargs={"slug": request.workspace.slug, "pk": contact.pk})
    return render(
        request,
        "optouts/opt_in_confirm.html",
        {
            "number": phones.format_international(contact.phone),
            "who": str(contact),
            "story": optout_selectors.how_opted_out(optout) if optout else "This number is not opted out.",
            "asked_themselves": bool(optout and optout.method in ("reply", "link")),
            "form": form,
            "cancel_url": cancel_url,
            "next": request.GET.get("next", ""),
        },
    )

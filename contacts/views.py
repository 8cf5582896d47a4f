from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from emuchat import phones
from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from optouts import services as optout_services
from optouts.models import Method
from workspaces.access import workspace_view

from . import selectors, services
from .forms import ContactForm
from .models import Contact


def _get_contact(request: HttpRequest, pk: int) -> Contact:
    return get_object_or_404(Contact, workspace=request.workspace, pk=pk)


@workspace_view
def contact_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.contacts_for(request.workspace, request.GET.get("q", "")), request.GET)
    optouts = selectors.optouts_by_phone(request.workspace, [c.phone for c in page.object_list])
    rows = [{"contact": c, "optout": optouts.get(c.phone)} for c in page.object_list]
    return render(
        request,
        "contacts/list.html",
        {"rows": rows, "page_obj": page, "query_without_page": query_without_page(request.GET)},
    )


@workspace_view
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    optout = selectors.optouts_by_phone(request.workspace, [contact.phone]).get(contact.phone)
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


def _back(request: HttpRequest, contact: Contact):
    target = request.POST.get("next", "")
    if target.startswith(f"/w/{request.workspace.slug}/"):
        return redirect(target)
    return redirect("contacts:list", slug=request.workspace.slug)


@workspace_view
@require_POST
def contact_opt_out(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    if not contact.phone:
        messages.error(request, f"{contact} has no phone number, so there is nothing to opt out.")
        return _back(request, contact)
    optout_services.opt_out(
        workspace=request.workspace,
        phone=contact.phone,
        method=Method.MANUAL,
        reason=f"Opted out from the contact {contact}",
        actor=request.user,
    )
    messages.success(
        request,
        f"{contact} ({phones.format_international(contact.phone)}) is opted out. No texts will be sent to this number.",
    )
    return _back(request, contact)


@workspace_view
@require_POST
def contact_opt_in(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    if not contact.phone:
        messages.error(request, f"{contact} has no phone number.")
        return _back(request, contact)
    optout_services.opt_in(workspace=request.workspace, phone=contact.phone, actor=request.user)
    messages.success(
        request, f"{contact} ({phones.format_international(contact.phone)}) is opted in and can be texted again."
    )
    return _back(request, contact)

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from emuchat import phones
from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from workspaces.access import workspace_view

from . import rows, selectors, services
from .charts import chart_for
from .forms import OptOutForm
from .models import Method, OptOut
from .notes import cancelled_note


def _get_optout(request: HttpRequest, pk: int) -> OptOut:
    return get_object_or_404(OptOut.objects.select_related("created_by"), workspace=request.workspace, pk=pk)


@workspace_view
def optout_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    page = paginate(selectors.optouts_for(workspace, request.GET), request.GET, deferred_join=True)
    version = selectors.list_version(workspace)
    totals = selectors.totals_by_method(workspace, version=version)
    return render(
        request,
        "optouts/list.html",
        {
            "rows": rows.build(workspace, page.object_list),
            "page_obj": page,
            "query_without_page": query_without_page(request.GET),
            "is_filtered": bool(request.GET.get("q") or request.GET.get("method")),
            "totals": [(Method(value).label, value, n) for value, n in totals.items()],
            "total": sum(totals.values()),
            "chart": chart_for(workspace, version=version),
            "methods": Method.choices,
        },
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def optout_add(request: HttpRequest) -> HttpResponse:
    form = OptOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            optout = services.add_opt_out(
                workspace=request.workspace,
                phone=form.cleaned_data["phone"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error, "phone")
        else:
            messages.success(
                request,
                f"{phones.format_international(optout.phone)} is opted out. No texts will be sent to it."
                + cancelled_note(optout.cancelled_texts),
            )
            return redirect("optouts:list", slug=request.workspace.slug)
    return render(request, "optouts/form.html", {"form": form, "title": "Add opt-out"})


@workspace_view
@require_http_methods(["GET", "POST"])
def optout_edit(request: HttpRequest, pk: int) -> HttpResponse:
    optout = _get_optout(request, pk)
    read_only = optout.method == Method.REPLY
    initial = {"phone": phones.format_international(optout.phone), "reason": optout.reason}
    form = OptOutForm(None if read_only else (request.POST or None), initial=initial)
    if request.method == "POST" and not read_only and form.is_valid():
        try:
            optout = services.edit_opt_out(
                workspace=request.workspace,
                optout=optout,
                phone=form.cleaned_data["phone"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error, "phone")
        else:
            messages.success(
                request,
                f"Opt-out for {phones.format_international(optout.phone)} updated."
                + cancelled_note(optout.cancelled_texts),
            )
            return redirect("optouts:list", slug=request.workspace.slug)
    return render(
        request,
        "optouts/form.html",
        {"form": form, "title": "Edit opt-out", "optout": optout, "read_only": read_only},
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def optout_remove(request: HttpRequest, pk: int) -> HttpResponse:
    optout = _get_optout(request, pk)
    number = phones.format_international(optout.phone)
    if request.method == "POST":
        services.remove_opt_out(workspace=request.workspace, optout=optout, actor=request.user)
        messages.success(request, f"{number} was removed from the opt-out list and can be texted again.")
        return redirect("optouts:list", slug=request.workspace.slug)
    return render(
        request,
        "components/confirm.html",
        {
            "title": "Remove opt-out",
            "question": f"Remove {number} from the opt-out list?",
            "detail": "Texts to this number will be allowed again straight away. The history keeps a record of this.",
            "confirm_label": f"Remove {number}",
            "cancel_url": reverse("optouts:list", kwargs={"slug": request.workspace.slug}),
        },
    )


@workspace_view
def optout_history(request: HttpRequest, phone: str) -> HttpResponse:
    try:
        e164 = phones.normalize(phone, request.workspace.default_region)
    except ValidationError:
        e164 = phone
    events = list(selectors.history_for(request.workspace, e164))
    current = selectors.optouts_by_phone(request.workspace, [e164]).get(e164)
    contacts = selectors.contacts_by_phone(request.workspace, [e164]).get(e164, [])
    return render(
        request,
        "optouts/history.html",
        {"phone": e164, "events": events, "current": current, "contacts": contacts},
    )

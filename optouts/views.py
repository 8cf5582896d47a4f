from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from emuchat import phones
from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from workspaces.access import workspace_view

from . import navigation, rows, selectors, services
from .charts import chart_for
from .forms import OptOutForm
from .models import Method, OptOut
from .notes import cancelled_note


def _get_optout(request: HttpRequest, pk: int) -> OptOut:
    return get_object_or_404(OptOut.objects.select_related("created_by"), workspace=request.workspace, pk=pk)


def _match_summary(matches: int, *, query: str, method: str) -> str:
    """“12 numbers match “415” with method Reply.”: what a filtered list holds."""
    if matches > selectors.COUNT_CAP:
        text = f"More than {selectors.COUNT_CAP:,} numbers match"
    else:
        text = f"{matches:,} number{'s match' if matches != 1 else ' matches'}"
    if query.strip():
        text += f" “{query.strip()}”"
    if method:
        text += f" with method {Method(method).label}"
    return text + "."


@workspace_view
def optout_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    params = request.GET
    matching = selectors.optouts_for(workspace, params)
    page = paginate(matching, params, deferred_join=True)
    version = selectors.list_version(workspace)
    totals = selectors.totals_by_method(workspace, version=version)
    method = params.get("method") if params.get("method") in Method.values else ""
    from_import = selectors.import_for(workspace, params.get("import")) if params.get("import") else None
    searched = bool(params.get("q") or params.get("import"))
    if searched and page.number == 1 and not page.has_next:
        matches = len(page.object_list)  # the whole result is on this page: nothing to count
    elif searched:
        matches = selectors.count_matching(matching)
    else:
        matches = totals[method] if method else sum(totals.values())
    keep_search = {k: params[k] for k in ("q", "import") if params.get(k)}
    return render(
        request,
        "optouts/list.html",
        {
            "rows": rows.build(workspace, page.object_list, back=navigation.current_list(request)),
            "page_obj": page,
            "query_without_page": query_without_page(params),
            "query_without_method": urlencode(keep_search),
            "is_filtered": bool(searched or method),
            "is_searched": searched,
            "match_summary": _match_summary(matches, query=params.get("q", ""), method=method),
            "from_import": from_import,
            "totals": [
                (Method(value).label, value, n, urlencode(keep_search | {"method": value}))
                for value, n in totals.items()
            ],
            "total": sum(totals.values()),
            "chart": chart_for(workspace, version=version, method=method),
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
            return redirect(navigation.back_to_list(request))
    return render(
        request,
        "optouts/form.html",
        {
            "form": form,
            "title": "Opt-out" if read_only else "Edit opt-out",
            "optout": optout,
            "read_only": read_only,
            "back_url": navigation.back_to_list(request),
            "next": navigation.carry(request),
        },
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def optout_remove(request: HttpRequest, pk: int) -> HttpResponse:
    optout = _get_optout(request, pk)
    number = phones.format_international(optout.phone)
    if request.method == "POST":
        services.remove_opt_out(workspace=request.workspace, optout=optout, actor=request.user)
        messages.success(request, f"{number} was removed from the opt-out list and can be texted again.")
        return redirect(navigation.back_to_list(request))
    return render(
        request,
        "components/confirm.html",
        {
            "title": "Remove opt-out",
            "question": f"Remove {number} from the opt-out list?",
            "detail": "Texts to this number will be allowed again straight away. The history keeps a record of this.",
            "confirm_label": f"Remove {number}",
            "cancel_url": navigation.back_to_list(request),
            "next": navigation.carry(request),
        },
    )


@workspace_view
def optout_history(request: HttpRequest, phone: str) -> HttpResponse:
    try:
        e164 = phones.normalize(phone, request.workspace.default_region)
    except ValidationError:
        e164 = phone
    events = selectors.history_for(request.workspace, e164)
    current = selectors.optouts_by_phone(request.workspace, [e164]).get(e164)
    contacts = selectors.contacts_by_phone(request.workspace, [e164]).get(e164, [])
    carried = navigation.carry(request)
    return render(
        request,
        "optouts/history.html",
        {
            "phone": e164,
            "events": events,
            "current": current,
            "contacts": contacts,
            "came_from": selectors.came_from(events, e164),
            "back_url": navigation.back_to_list(request),
            "next_query": urlencode({"next": carried}) if carried else "",
        },
    )

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from emuchat import phones
from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from workspaces.access import workspace_view

from . import evidence, navigation, rows, selectors, services
from .charts import chart_for
from .forms import ConsentForm, OptOutForm
from .models import Consent, Method, OptOut
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
    timeline = selectors.timeline_for(request.workspace, events, e164)
    current = selectors.optouts_by_phone(request.workspace, [e164]).get(e164)
    contacts = selectors.contacts_by_phone(request.workspace, [e164]).get(e164, [])
    carried = navigation.carry(request)
    return render(
        request,
        "optouts/history.html",
        {
            "phone": e164,
            "events": events,
            "timeline": timeline,
            "has_consent": any(row["kind"] == "consent" for row in timeline),
            "current": current,
            "contacts": contacts,
            "came_from": selectors.came_from(events, e164),
            "back_url": navigation.back_to_list(request),
            "next_query": urlencode({"next": carried}) if carried else "",
        },
    )


def _number(request: HttpRequest, phone: str) -> str:
    try:
        return phones.normalize(phone, request.workspace.default_region)
    except ValidationError:
        raise Http404("Not a phone number.") from None


@workspace_view
@require_http_methods(["GET", "POST"])
def consent_add(request: HttpRequest, phone: str) -> HttpResponse:
    """A member records a consent by hand: who (the member) and why (the text)."""
    e164 = _number(request, phone)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(
                workspace=request.workspace,
                phone=e164,
                method=Consent.Method.MANUAL,
                text=form.cleaned_data["text"],
                source={"recorded_on": "history page"},
                actor=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error, "text")
        else:
            messages.success(request, f"Consent of {phones.format_international(e164)} recorded.")
            return redirect("optouts:history", slug=request.workspace.slug, phone=e164)
    return render(
        request,
        "optouts/consent_form.html",
        {"form": form, "phone": e164, "opted_out": services.is_opted_out(workspace=request.workspace, phone=e164)},
    )


@workspace_view
def evidence_download(request: HttpRequest, phone: str) -> StreamingHttpResponse:
    """The number's evidence pack, streamed as a ZIP. The download goes on the number's history first."""
    e164 = _number(request, phone)
    services.record_evidence_download(workspace=request.workspace, phone=e164, actor=request.user)
    response = StreamingHttpResponse(evidence.stream_pack(request.workspace, e164), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{evidence.file_name(e164)}"'
    response["Cache-Control"] = "private, no-store"
    return response

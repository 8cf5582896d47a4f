from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from emuchat import phones
from emuchat.forms import apply_validation_error
from emuchat.pagination import paginate, query_without_page
from optouts import selectors as optout_selectors
from optouts import services as optout_services
from workspaces.access import owner_view, workspace_view

from . import double_opt_in, ratelimit, selectors, services
from .forms import ComplianceSettingsForm
from .keywords import PACKS, default_words
from .likely import RULES, RULES_BY_NAME
from .models import LikelyOptOut, OptOutLink
from .segments import segments

_CODE = re.compile(r"[A-Za-z0-9_-]{6,24}")


# --- the public opt-out link page ---------------------------------------------------


def _link_response(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # The code in the URL is the recipient's key: keep it out of indexes and other sites'
    # Referer headers ("no-referrer" would make browsers send Origin: null and fail CSRF).
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def optout_link(request: HttpRequest, code: str) -> HttpResponse:
    """``/o/<code>``: GET only asks (link scanners open links), POST opts out with method Link.

    Only unknown codes count against the address (SPEC §10): a valid code always works.
    """
    code = code.removesuffix("/")
    link = OptOutLink.objects.select_related("workspace").filter(code=code).first() if _CODE.fullmatch(code) else None
    if link is None:
        verdict = ratelimit.record_failed_link_guess(request)
        if not verdict.allowed:
            response = _link_response(request, "compliance/link_limited.html", {}, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        # Same page for every bad code: nothing tells a guesser how close it came.
        return _link_response(request, "compliance/link_missing.html", {}, status=404)
    context = {"workspace": link.workspace, "masked": phones.mask(link.phone)}
    if request.method == "POST":
        already = services.opt_out_by_link(link=link)
        return _link_response(request, "compliance/link_done.html", context | {"already": already})
    already = optout_services.is_opted_out(workspace=link.workspace, phone=link.phone)
    return _link_response(request, "compliance/link.html", context | {"already": already})


# --- Settings → Compliance -----------------------------------------------------------


@owner_view
@require_http_methods(["GET", "POST"])
def compliance_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.settings_for(request.workspace)
    initial = {
        "packs": current.packs,
        "custom_opt_out": "\n".join(current.custom_opt_out),
        "custom_opt_in": "\n".join(current.custom_opt_in),
        "confirmation_enabled": current.confirmation_enabled,
        "confirmation_template": current.confirmation_template,
        "help_reply": current.help_reply,
        "double_opt_in_enabled": current.double_opt_in_enabled,
        "join_keyword": current.join_keyword,
    }
    form = ComplianceSettingsForm(request.POST or None, initial=initial)
    join_prompt = double_opt_in.prompt_text(request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(workspace=request.workspace, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Compliance settings saved.")
            return redirect("compliance:settings", slug=request.workspace.slug)
    return render(
        request,
        "compliance/settings.html",
        {
            "form": form,
            "current": current,
            "pack_choices": list(zip(form["packs"], PACKS, strict=True)),
            "default_opt_out": default_words("opt_out"),
            "default_opt_in": default_words("opt_in"),
            "join_prompt": join_prompt,
            "join_prompt_segments": segments(join_prompt),
        },
    )


# --- Opt-Outs → Review -------------------------------------------------------------


@workspace_view
def review_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    page = paginate(selectors.review_queue(workspace), request.GET)
    numbers = [flag.phone for flag in page.object_list]
    contacts = optout_selectors.contacts_by_phone(workspace, numbers)
    opted_out = optout_services.opted_out_among(workspace=workspace, phones=numbers)
    rows = [
        {
            "flag": flag,
            "rule": RULES_BY_NAME.get(flag.rule),
            "contacts": contacts.get(flag.phone, []),
            "opted_out": flag.phone in opted_out,
        }
        for flag in page.object_list
    ]
    return render(
        request,
        "compliance/review.html",
        {
            "rows": rows,
            "page_obj": page,
            "query_without_page": query_without_page(request.GET),
            "decided": selectors.recent_decisions(workspace),
            "rules": RULES,
        },
    )


def _decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    flag = get_object_or_404(request.workspace.likely_optouts.select_related("message"), pk=pk)
    number = phones.format_international(flag.phone)
    try:
        services.decide(workspace=request.workspace, flag=flag, decision=decision, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if decision == LikelyOptOut.Status.OPTED_OUT:
            messages.success(request, f"{number} is opted out. No texts will be sent to it.")
        else:
            messages.success(request, f"Dismissed the message from {number}; the number can still be texted.")
    return redirect("compliance:review", slug=request.workspace.slug)


@workspace_view
@require_POST
def review_opt_out(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, LikelyOptOut.Status.OPTED_OUT)


@workspace_view
@require_POST
def review_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, LikelyOptOut.Status.DISMISSED)

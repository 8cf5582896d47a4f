"""Settings → API tokens: owners create and revoke their workspace's tokens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from emuchat.forms import apply_validation_error
from workspaces.access import owner_view

from . import selectors, services
from .forms import TokenForm


@owner_view
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.create_token(
                workspace=request.workspace, name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error, "name")
        else:
            # Rendered, not redirected: the secret exists only in this response (never_cache).
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/tokens.html", {"form": form, "tokens": selectors.tokens_for(request.workspace)})


@owner_view
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.workspace.api_tokens, pk=pk)
    back = reverse("api_tokens:list", kwargs={"slug": request.workspace.slug})
    if request.method == "POST":
        services.revoke_token(workspace=request.workspace, token=token, actor=request.user)
        messages.success(request, f"The token “{token.name}” is revoked. Requests using it now get 401.")
        return redirect(back)
    return render(
        request,
        "components/confirm.html",
        {
            "title": "Revoke API token",
            "question": f"Revoke “{token.name}” ({token.prefix}…)?",
            "detail": "Anything still using it stops working at once. This can't be undone; "
            "you can create a new token instead.",
            "confirm_label": "Revoke token",
            "cancel_url": back,
        },
    )

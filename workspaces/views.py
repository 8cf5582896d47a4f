from __future__ import annotations

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from emuchat.forms import apply_validation_error

from . import selectors, services, zones
from .access import owner_view, workspace_view
from .forms import InviteForm, QuietHoursForm, RoleForm, SignUpForm, WorkspaceForm, WorkspaceSettingsForm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send a member to their first workspace; explain when they have none."""
    membership = request.user.memberships.select_related("workspace").order_by("workspace__name").first()
    if membership is None:
        return render(request, "workspaces/no_workspace.html")
    return redirect("optouts:list", slug=membership.workspace.slug)


@owner_view
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    initial = {
        "name": workspace.name,
        "default_region": workspace.default_region,
        "time_zone": workspace.time_zone,
        "twilio_account_sid": workspace.twilio_account_sid,
    }
    form = WorkspaceSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_workspace(workspace=workspace, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            workspace.refresh_from_db()
            apply_validation_error(form, error, "name")
        else:
            messages.success(request, "Workspace settings saved.")
            return redirect("workspaces:settings", slug=workspace.slug)
    return _settings(request, form=form)


def _settings(request: HttpRequest, *, form=None, quiet_form=None, status: int = 200) -> HttpResponse:
    workspace = request.workspace
    if form is None:
        form = WorkspaceSettingsForm(
            initial={
                "name": workspace.name,
                "default_region": workspace.default_region,
                "time_zone": workspace.time_zone,
                "twilio_account_sid": workspace.twilio_account_sid,
            }
        )
    if quiet_form is None:
        quiet_form = QuietHoursForm(
            initial={
                "quiet_hours_enabled": workspace.quiet_hours_enabled,
                "quiet_hours_start": workspace.quiet_hours_start,
                "quiet_hours_end": workspace.quiet_hours_end,
            }
        )
    return render(
        request,
        "workspaces/settings.html",
        {
            "form": form,
            "quiet_form": quiet_form,
            "sender_numbers": workspace.sender_numbers.all(),
            "members": selectors.members_of(workspace),
            "webhook_path": reverse("webhooks:twilio_sms"),
            "site_url": django_settings.SITE_URL,
        },
        status=status,
    )


@owner_view
@require_POST
def quiet_hours(request: HttpRequest) -> HttpResponse:
    """Settings → Quiet hours: on or off, and the window (SPEC §13)."""
    workspace = request.workspace
    form = QuietHoursForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.set_quiet_hours(
                workspace=workspace,
                enabled=data["quiet_hours_enabled"],
                start=data["quiet_hours_start"],
                end=data["quiet_hours_end"],
                actor=request.user,
            )
        except ValidationError as error:
            workspace.refresh_from_db()
            apply_validation_error(form, error, "quiet_hours_end")
        else:
            window = f"{workspace.quiet_hours_start:%H:%M}–{workspace.quiet_hours_end:%H:%M}"
            messages.success(
                request,
                f"Quiet hours on: bulk and scheduled texts wait out {window} where each recipient is."
                if workspace.quiet_hours_enabled
                else "Quiet hours off: texts go out whatever the time where the recipient is.",
            )
            return redirect("workspaces:settings", slug=workspace.slug)
    return _settings(request, quiet_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def create_workspace(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.create_workspace(creator=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error, "slug")
        else:
            messages.success(request, f"{workspace.name} is ready. You are its owner: add a sender number next.")
            return redirect("workspaces:sender_numbers", slug=workspace.slug)
    return render(request, "workspaces/create.html", {"form": form})


# --- Members -------------------------------------------------------------------------


def _members_page(request: HttpRequest, invite_form: InviteForm | None = None, status: int = 200) -> HttpResponse:
    workspace = request.workspace
    return render(
        request,
        "workspaces/members.html",
        {
            "members": selectors.members_of(workspace),
            "invitations": selectors.pending_invitations(workspace),
            "events": selectors.recent_events(workspace),
            "invite_form": invite_form or InviteForm(),
            "role_choices": RoleForm.base_fields["role"].choices,
            "is_owner": request.membership.is_owner,
        },
        status=status,
    )


@workspace_view
@require_http_methods(["GET"])
def members(request: HttpRequest) -> HttpResponse:
    """Every member sees who is in the workspace; only owners get the controls."""
    return _members_page(request)


@owner_view
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invite(workspace=request.workspace, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error, "email")
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. The link works once, for 7 days.")
            return redirect("workspaces:members", slug=request.workspace.slug)
    return _members_page(request, invite_form=form, status=400)


def _back_to_members(request: HttpRequest) -> HttpResponse:
    return redirect("workspaces:members", slug=request.workspace.slug)


@owner_view
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(request.workspace.invitations, pk=pk)
    try:
        services.resend_invitation(workspace=request.workspace, invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A new link was sent to {invitation.email}; the previous one no longer works.")
    return _back_to_members(request)


@owner_view
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(request.workspace.invitations, pk=pk)
    if request.method == "POST":
        try:
            services.revoke_invitation(workspace=request.workspace, invitation=invitation, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The invitation for {invitation.email} is revoked; its link no longer works.")
        return _back_to_members(request)
    return render(
        request,
        "components/confirm.html",
        {
            "title": "Revoke invitation",
            "question": f"Revoke the invitation for {invitation.email}?",
            "detail": "The link in their email stops working at once. You can invite them again later.",
            "confirm_label": "Revoke invitation",
            "cancel_url": reverse("workspaces:members", kwargs={"slug": request.workspace.slug}),
        },
    )


@owner_view
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(request.workspace.memberships.select_related("user"), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Owner or Member.")
        return _back_to_members(request)
    try:
        changed = services.change_role(
            workspace=request.workspace, membership=membership, role=form.cleaned_data["role"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{changed.user.username} is now {changed.get_role_display().lower()}.")
    return _back_to_members(request)


@owner_view
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(request.workspace.memberships.select_related("user"), pk=pk)
    name = membership.user.get_full_name() or membership.user.username
    if request.method == "POST":
        try:
            services.remove_member(workspace=request.workspace, membership=membership, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _back_to_members(request)
        messages.success(request, f"{name} was removed from {request.workspace.name}.")
        if membership.user_id == request.user.id:
            return redirect("home")
        return _back_to_members(request)
    return render(
        request,
        "components/confirm.html",
        {
            "title": "Remove member",
            "question": f"Remove {name} ({membership.user.username}) from {request.workspace.name}?",
            "detail": "They lose access at once. Opt-outs, texts and history they recorded stay.",
            "confirm_label": "Remove member",
            "cancel_url": reverse("workspaces:members", kwargs={"slug": request.workspace.slug}),
        },
    )


# --- Accepting an invitation ---------------------------------------------------------


def _joined(request: HttpRequest, membership) -> HttpResponse:
    messages.success(request, f"Welcome to {membership.workspace.name}.")
    return redirect("optouts:list", slug=membership.workspace.slug)


@never_cache
@require_http_methods(["GET", "POST"])
def accept_invite(request: HttpRequest, token: str) -> HttpResponse:
    """Signed in: join (at once when the invited email is the account's; after a click when not).

    Signed out: sign in, or create an account for the invited email, then join. Its times
    (the link's expiry) are in the inviting workspace's zone, as in the email.
    """
    invitation = services.invitation_for_token(token)
    with zones.active(invitation.workspace if invitation else None):
        return _accept_invite(request, token, invitation)


def _accept_invite(request: HttpRequest, token: str, invitation) -> HttpResponse:
    if invitation is None or not invitation.is_pending:
        return render(request, "workspaces/invite_invalid.html", {"invitation": invitation}, status=410)
    user = request.user
    if user.is_authenticated:
        same_email = bool(user.email) and user.email.lower() == invitation.email.lower()
        if same_email or (request.method == "POST" and request.POST.get("action") == "join"):
            try:
                membership = services.accept_invitation(token=token, user=user)
            except ValidationError as error:
                return render(request, "workspaces/invite_invalid.html", {"error": error}, status=410)
            return _joined(request, membership)
        return render(request, "workspaces/invite.html", {"invitation": invitation, "token": token})

    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = services.create_account_and_accept(token=token, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
            return _joined(
                request, new_user.memberships.select_related("workspace").get(workspace=invitation.workspace)
            )
    return render(
        request,
        "workspaces/invite.html",
        {
            "invitation": invitation,
            "token": token,
            "form": form,
            "login_url": reverse("login") + "?next=" + request.path,
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, with links built on SITE_URL rather than the request's Host header."""

    @property
    def extra_email_context(self) -> dict:
        return {"site_url": django_settings.SITE_URL}

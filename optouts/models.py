from __future__ import annotations

from django.conf import settings
from django.db import models

from imports.models import Job


class Method(models.TextChoices):
    MANUAL = "manual", "Manual"
    REPLY = "reply", "Reply"
    LINK = "link", "Link"
    IMPORT = "import", "Import"


class OptOut(models.Model):
    """A number that must not be texted by this workspace. Written only by optouts.services."""

    Method = Method

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="optouts")
    phone = models.CharField(max_length=20, help_text="E.164.")
    method = models.CharField(max_length=10, choices=Method.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The outbound text a Reply opt-out answered: the latest one to the number in the 7 days before (SPEC §13).
    caused_by = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="caused_opt_outs"
    )
    # The import that added this entry, so its summary can link to exactly those rows.
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Not stored: how many queued or scheduled texts the opt-out that returned this entry cancelled.
    cancelled_texts = 0

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "phone"], name="unique_optout_per_number")]
        indexes = [
            # The list page: newest first, optionally by method; keyset-friendly.
            models.Index(fields=["workspace", "-created_at", "-id"], name="optout_recent"),
            models.Index(fields=["workspace", "method", "-created_at", "-id"], name="optout_method_recent"),
            models.Index(fields=["workspace", "updated_at"], name="optout_updated"),
            # The list filtered by one import (?import=<id>), newest first; only imported rows are indexed.
            models.Index(
                fields=["import_job", "-created_at", "-id"],
                name="optout_by_import",
                condition=models.Q(import_job__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.phone


class OptOutEvent(models.Model):
    """Append-only history of every change to a workspace's opt-out list."""

    class Action(models.TextChoices):
        OPTED_OUT = "opted_out", "Opted out"
        OPTED_IN = "opted_in", "Opted in"
        EDITED = "edited", "Edited"
        REMOVED = "removed", "Removed"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="optout_events")
    phone = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=Action.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "phone", "-at"], name="optout_event_number"),
            models.Index(fields=["workspace", "at"], name="optout_event_since"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.action} ({self.method})"


class ExportJob(Job):
    """One CSV export of a workspace's opt-out list (imports.jobs claims and fences it like an import)."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="export_jobs")
    notify = models.BooleanField(default=False, help_text="Email the member when the file is ready.")
    include_consent = models.BooleanField(
        default=False, help_text="Add the number's latest consent record (when, how, wording) to each row."
    )
    file = models.FileField(upload_to="exports/%Y/%m/", max_length=255, blank=True)
    size = models.BigIntegerField(null=True, blank=True, help_text="Bytes.")
    notified_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    expired = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="exportjob_recent")]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"


class AppendOnlyQuerySet(models.QuerySet):
    """No bulk update or delete: a record of consent is evidence. (Deleting the workspace still cascades.)"""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} records are append-only.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} records are append-only.")


class Consent(models.Model):
    """One opt-in with its proof (SPEC §13). Append-only: written by optouts.services.record_consent, never changed.

    PostgreSQL refuses an UPDATE of a row too (a trigger, migration 0007).
    """

    class Method(models.TextChoices):
        REPLY = "reply", "Reply"
        FORM = "form", "Web form"
        IMPORT = "import", "Import"
        API = "api", "API"
        MANUAL = "manual", "By hand"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="consents")
    phone = models.CharField(max_length=20, help_text="E.164.")
    method = models.CharField(max_length=10, choices=Method.choices)
    text = models.TextField(help_text="The wording the person agreed to, or their own message.")
    source = models.JSONField(
        default=dict, blank=True, help_text="Proof: message ids, import id, token id, IP address and user agent."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "phone", "created_at"], name="consent_number")]

    def __str__(self) -> str:
        return f"{self.phone} consented ({self.method})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Consent records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Consent records are append-only.")


class EvidenceDownload(models.Model):
    """A member downloaded a number's evidence pack: the download is part of that number's history."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["workspace", "phone", "at"], name="evidence_download_number")]

    def __str__(self) -> str:
        return f"Evidence pack of {self.phone}"

"""Thin Celery wrappers: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def send_invitation(invitation_id: int) -> str:
    return services.send_invitation_email(invitation_id)

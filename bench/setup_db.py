"""Create and migrate the benchmark database (DATABASE_URL, default emu_bench on local PostgreSQL)."""

from __future__ import annotations

import os
import secrets

import django


def ready() -> None:
    """Make sure the benchmark database exists and is migrated, then set Django up."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emuchat.settings")
    # DEBUG off: Django would otherwise keep every query in memory.
    os.environ.setdefault("DEBUG", "false")
    # Random and strong: settings refuse a weak key with DEBUG off. Worker processes inherit it.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

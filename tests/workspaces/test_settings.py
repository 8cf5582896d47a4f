from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from emuchat import env


def test_malformed_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env.get_bool("DEBUG")


def test_malformed_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("EXPORT_RETENTION_DAYS", "a week")
    with pytest.raises(ImproperlyConfigured, match="EXPORT_RETENTION_DAYS"):
        env.get_int("EXPORT_RETENTION_DAYS", 7)


def test_malformed_database_url_names_the_variable(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql//nope")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.get_database("DATABASE_URL", "sqlite:///x")


def test_broker_url_must_be_a_url(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "localhost:6379")
    with pytest.raises(ImproperlyConfigured, match="CELERY_BROKER_URL"):
        env.get_url("CELERY_BROKER_URL", schemes=("redis",))


def _run_check(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    } | extra_env
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_production_settings_require_a_secret_key():
    result = _run_check({"DEBUG": "false", "ALLOWED_HOSTS": "emu.example.com"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "weak",
    ["x", "short-but-varied-key-0123456789", "ab" * 40, "abcd" * 20],
    ids=["one-character", "under-50-characters", "two-distinct", "four-distinct"],
)
def test_production_settings_refuse_a_weak_secret_key_naming_it(weak):
    result = _run_check({"DEBUG": "false", "SECRET_KEY": weak, "ALLOWED_HOSTS": "emu.example.com"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is too weak" in result.stderr


def test_a_weak_secret_key_is_allowed_while_debugging():
    result = _run_check({"DEBUG": "true", "SECRET_KEY": "x"})
    # check --deploy still warns (DEBUG is on), but start-up itself goes through.
    assert "ImproperlyConfigured" not in result.stderr
    assert "security.W018" in result.stderr + result.stdout


def test_check_deploy_passes_with_production_environment():
    result = _run_check(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-1234567890",
            "ALLOWED_HOSTS": "emu.example.com",
            "SITE_URL": "https://emu.example.com",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rates_read_as_requests_per_period(monkeypatch):
    monkeypatch.setenv("API_RATE_LIMIT", "1000/1h")
    assert env.get_rate("API_RATE_LIMIT", "120/m") == (1000, 3600)
    monkeypatch.delenv("API_RATE_LIMIT")
    assert env.get_rate("API_RATE_LIMIT", "30/10m") == (30, 600)


@pytest.mark.parametrize("raw", ["lots", "30 per minute", "0/m", "30/10w"])
def test_malformed_rate_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("OPT_OUT_LINK_RATE_LIMIT", raw)
    with pytest.raises(ImproperlyConfigured, match="OPT_OUT_LINK_RATE_LIMIT"):
        env.get_rate("OPT_OUT_LINK_RATE_LIMIT", "30/10m")


def test_every_periodic_task_in_the_beat_schedule_exists():
    from django.conf import settings

    from emuchat.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "messaging.tasks.dispatch_due_messages" in scheduled
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", "build/screenshots"))


@pytest.fixture
def app_url(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def logged_in(page, app_url):
    """Log a user in without the form (the login form has its own test)."""

    def login(user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        page.context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": app_url}]
        )
        return page

    return login


@pytest.fixture
def screenshot(page):
    def take(name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take

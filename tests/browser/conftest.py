from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", "build/screenshots"))


@pytest.fixture(scope="session", autouse=True)
def _live_server_connection_stays_shared(live_server):
    """Keep the in-memory SQLite connection shareable while any live-server thread may still hold it.

    pytest-django ends the sharing when it stops the live server, but a request thread serving a
    keep-alive connection ends only when its client hangs up, and then closes the connection it
    borrowed: a DatabaseError in that thread, two PytestUnhandledThreadExceptionWarnings at the end of
    the SQLite run. One more share, never handed back: the connection goes with the in-memory test
    database when the session ends. (On PostgreSQL nothing is shared and this does nothing.) Asking
    for the live server here also starts it before the browser, so the browser closes first.
    """
    for connection in live_server.thread.connections_override.values():
        connection.inc_thread_sharing()
    yield


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

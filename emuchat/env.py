"""Typed readers for settings that come from the environment.

A malformed value stops start-up with ImproperlyConfigured naming the
variable, rather than surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def get_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


# Django's own check (security.W009) asks for the same: at least 50 characters, 5 different ones.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5


def require_strong_secret(name: str, value: str) -> None:
    """Refuse a guessable signing key: sessions, CSRF and password-reset links all rest on it."""
    if len(value) < SECRET_KEY_MIN_LENGTH or len(set(value)) < SECRET_KEY_MIN_UNIQUE:
        raise ImproperlyConfigured(
            f"{name} is too weak for DEBUG=false: use at least {SECRET_KEY_MIN_LENGTH} random characters "
            f"with at least {SECRET_KEY_MIN_UNIQUE} different ones (e.g. python -c "
            f"'import secrets; print(secrets.token_urlsafe(50))')."
        )


def get_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def get_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def get_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def get_url(name: str, default: str = "", *, schemes: tuple[str, ...]) -> str:
    raw = os.environ.get(name, default).strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        allowed = ", ".join(schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with one of {allowed}; got {raw!r}.")
    return raw.rstrip("/") if parsed.scheme in ("http", "https") else raw


def get_database(name: str, default: str) -> dict:
    import dj_database_url

    raw = os.environ.get(name, "").strip() or default
    if not raw.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(f"{name} must be a postgres:// or sqlite:// URL; got {raw!r}.")
    try:
        return dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} could not be read: {exc}") from None


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def get_rate(name: str, default: str) -> tuple[int, int]:
    """``"30/10m"`` → ``(30, 600)``: at most 30 requests per 10 minutes."""
    raw = os.environ.get(name, default).strip().lower()
    count, _, period = raw.partition("/")
    number, unit = period[:-1], period[-1:]
    try:
        requests, seconds = int(count), int(number or "1") * _RATE_UNITS[unit]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"{name} must look like 30/10m (requests per s, m, h or d), not {raw!r}.") from None
    if requests < 1 or seconds < 1:
        raise ImproperlyConfigured(f"{name} must allow at least one request per period, not {raw!r}.")
    return requests, seconds

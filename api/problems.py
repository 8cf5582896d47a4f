"""Every API error as RFC 9457 problem details (``application/problem+json``).

A problem has ``type`` (a URL under ``/api/v1/problems/`` describing it),
``title``, ``status``, ``detail`` and, for invalid input, ``errors``: field
name → list of messages a person can read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
NON_FIELD = "non_field_errors"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    description: str


_TYPES = [
    ProblemType("validation-error", 400, "Invalid request", "A field is missing or not valid; see errors."),
    ProblemType("malformed-request", 400, "Malformed request", "The body is not valid JSON."),
    ProblemType(
        "not-authenticated", 401, "Authentication required", "Send Authorization: Bearer <token> with every request."
    ),
    ProblemType("invalid-token", 401, "Invalid token", "The token is unknown, malformed or was revoked."),
    ProblemType("permission-denied", 403, "Forbidden", "This token may not do that."),
    ProblemType("not-found", 404, "Not found", "Nothing at this URL in your workspace."),
    ProblemType(
        "method-not-allowed", 405, "Method not allowed", "See the Allow header for the methods this URL takes."
    ),
    ProblemType("not-acceptable", 406, "Not acceptable", "The API answers in JSON only."),
    ProblemType("already-opted-out", 409, "Already opted out", "The number is on the opt-out list already."),
    ProblemType("unsupported-media-type", 415, "Unsupported media type", "Send bodies as application/json."),
    ProblemType(
        "idempotency-key-reused",
        422,
        "Idempotency key reused",
        "This Idempotency-Key was already used with a different request; use a new key for a new message.",
    ),
    ProblemType("rate-limited", 429, "Too many requests", "Slow down; retry after the Retry-After seconds."),
    ProblemType("server-error", 500, "Server error", "Something went wrong on our side; it has been logged."),
]
TYPES = {problem.slug: problem for problem in _TYPES}

# DRF's exception codes → our problem types.
_BY_CODE = {
    "invalid": "validation-error",
    "parse_error": "malformed-request",
    "not_authenticated": "not-authenticated",
    "authentication_failed": "invalid-token",
    "permission_denied": "permission-denied",
    "not_found": "not-found",
    "method_not_allowed": "method-not-allowed",
    "not_acceptable": "not-acceptable",
    "unsupported_media_type": "unsupported-media-type",
    "throttled": "rate-limited",
}


def type_url(slug: str) -> str:
    return f"{settings.SITE_URL}/api/v1/problems/{slug}"


class Problem(exceptions.APIException):
    """An error with its own problem type, raised by views."""

    def __init__(self, slug: str, detail: str, *, errors: dict[str, list[str]] | None = None):
        self.slug = slug
        self.status_code = TYPES[slug].status
        self.errors = errors
        super().__init__(detail=detail, code=slug.replace("-", "_"))


def problem_body(slug: str, detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    kind = TYPES[slug]
    body = {"type": type_url(slug), "title": kind.title, "status": kind.status, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def validation_problem(error: DjangoValidationError, *, field: str) -> Problem:
    """A service's ValidationError as a 400, messages on ``field`` unless it names its own."""
    if hasattr(error, "error_dict"):
        errors = {name: [str(m) for e in errs for m in e.messages] for name, errs in error.error_dict.items()}
    else:
        errors = {field: [str(m) for m in error.messages]}
    return Problem("validation-error", _summary(errors), errors=errors)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"field": ["message", ...]}, nested fields dotted."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for inner, messages in _flatten(value, name).items():
                flat.setdefault(inner, []).extend(messages)
        return flat
    if isinstance(detail, list):
        flat = {}
        for index, item in enumerate(detail):
            name = prefix if not isinstance(item, dict | list) else f"{prefix}.{index}" if prefix else str(index)
            for inner, messages in _flatten(item, name).items():
                flat.setdefault(inner, []).extend(messages)
        return flat
    return {prefix or NON_FIELD: [str(detail)]}


def _summary(errors: dict[str, list[str]]) -> str:
    parts = [message if name == NON_FIELD else f"{name}: {message}" for name, ms in errors.items() for message in ms]
    return " ".join(parts)[:1000] or TYPES["validation-error"].title


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: any exception → a problem response."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    headers: dict[str, str] = {}
    if isinstance(exc, Problem):
        status, body = exc.status_code, problem_body(exc.slug, str(exc.detail), exc.errors)
    elif isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        status, body = 400, problem_body("validation-error", _summary(errors), errors)
    elif isinstance(exc, exceptions.APIException):
        slug = _BY_CODE.get(exc.default_code, "validation-error" if exc.status_code == 400 else "server-error")
        status = exc.status_code
        body = problem_body(slug, str(exc.detail)) | {"status": status}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, exceptions.Throttled):
            # Never tell a client to retry "in 0 seconds".
            headers["Retry-After"] = str(max(1, int(exc.wait or 1)))
    else:
        if settings.DEBUG:
            return None  # Let the developer see the traceback page.
        log.exception("API request failed", exc_info=exc)
        status, body = 500, problem_body("server-error", TYPES["server-error"].description)
    set_rollback()
    return Response(body, status=status, headers=headers, content_type=CONTENT_TYPE)


def problem_response(slug: str, detail: str) -> JsonResponse:
    """A problem outside DRF's views (unknown URLs under /api/v1/)."""
    kind = TYPES[slug]
    return JsonResponse(problem_body(slug, detail), status=kind.status, content_type=CONTENT_TYPE)


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return problem_response("not-found", "There is no API endpoint at this URL; see /api/v1/docs/.")


def problem_type(request: HttpRequest, slug: str) -> JsonResponse:
    """What a problem ``type`` URL points at: a short description of that problem."""
    kind = TYPES.get(slug)
    if kind is None:
        return problem_response("not-found", "No such problem type.")
    return JsonResponse(
        {"type": type_url(slug), "title": kind.title, "status": kind.status, "description": kind.description}
    )

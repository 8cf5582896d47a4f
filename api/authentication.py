"""``Authorization: Bearer <token>`` for the API, and the throttle keyed by token."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions, throttling

from compliance.ratelimit import cache_unavailable

from . import services
from .models import ApiToken

_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{20,200}$")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Finds the workspace token by the SHA-256 of what the client sent."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None  # Not ours: the permission check answers 401.
        if len(header) != 2 or not _TOKEN.match(header[1]):
            raise exceptions.AuthenticationFailed("The Authorization header must be “Bearer <token>”.")
        token = (
            ApiToken.objects.select_related("workspace", "created_by")
            .filter(key_hash=services.hash_token(header[1]))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("This token is not valid.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token was revoked; create a new one in Settings.")
        services.touch_token(token)
        return (token.created_by or AnonymousUser(), token)

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate) rather than 403.
        return f'{self.keyword} realm="api"'


class HasWorkspaceToken(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """``settings.API_RATE_LIMIT`` (requests, seconds) per token, counted in the default cache."""

    scope = "api_token"

    def __init__(self):
        # DRF makes a throttle per request, so a changed setting applies at once. DRF's own
        # rate strings can't say "30 per 10 minutes", hence the (requests, seconds) setting.
        self.num_requests, self.duration = settings.API_RATE_LIMIT
        self.rate = f"{self.num_requests}/{self.duration}s"

    def allow_request(self, request, view) -> bool:
        # The count lives in the cache (Redis in production): when it is down the API keeps
        # answering, unthrottled, and says so loudly in the log (docs/operations.md).
        try:
            return super().allow_request(request, view)
        except Exception as error:  # noqa: BLE001 - any cache failure must fail open
            cache_unavailable("api-token", error)
            return True

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

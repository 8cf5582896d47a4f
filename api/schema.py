"""OpenAPI details drf-spectacular cannot infer: the Bearer scheme and problem responses."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .problems import CONTENT_TYPE


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workspace API token from Settings → API tokens: `Authorization: Bearer emu_…`.",
        }


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.URLField(help_text="Identifies the kind of problem; GET it for a description.")
    title = serializers.CharField(help_text="Short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request, for a person to read.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Invalid input: field name → messages. `non_field_errors` for the request as a whole.",
    )

    class Meta:
        ref_name = "Problem"


_WHY = {
    400: "Invalid input: see `errors` for each field.",
    401: "No token, an unknown token, or a revoked one.",
    404: "Not found in the token's workspace.",
    406: "The client does not accept JSON.",
    409: "Conflicts with the current state.",
    415: "The body is not JSON.",
    422: "The Idempotency-Key was already used with a different request.",
    429: "Rate limit reached; the Retry-After header says how many seconds to wait.",
}
_ALWAYS = (400, 401, 406, 429)


def problems(*statuses: int, **descriptions: str) -> dict:
    """Problem responses for an operation: the given statuses plus those every operation can return."""
    responses = {}
    for status in sorted({*_ALWAYS, *statuses}):
        description = descriptions.get(f"s{status}", _WHY[status])
        responses[(status, CONTENT_TYPE)] = OpenApiResponse(response=ProblemSerializer, description=description)
    return responses

"""The JSON API under /api/v1/. Every object is looked up through the token's workspace."""

from __future__ import annotations

import hashlib
import json
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from emuchat import phones
from messaging import selectors as messaging_selectors
from messaging import services as messaging_services
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import Consent, OptOut, OptOutEvent
from workspaces.models import Workspace

from . import serializers, services
from .filters import ApiOptOutFilter, MessageFilter, OptOutEventFilter
from .models import ApiToken
from .pagination import NewestFirst, OldestFirst
from .problems import Problem, validation_problem
from .schema import problems

# Success keys name their media type too: drf-spectacular picks the main response by the smallest key.
JSON = "application/json"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string up to 255 printable ASCII characters. A retry with the same key and body "
    "returns the first response (with `Idempotent-Replayed: true`) and never sends twice; "
    "the same key with a different body is a 422. Keys are kept for 24 hours.",
    pattern=f"^{_IDEMPOTENCY_KEY.pattern}$",
)
_PHONE_PARAMETER = OpenApiParameter(
    "phone",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The number in any writing, URL-encoded (`%2B14155550123` for +14155550123).",
    examples=[OpenApiExample("E.164", value="+14155550101"), OpenApiExample("National", value="(415) 555-0101")],
)


class WorkspaceAPIView(generics.GenericAPIView):
    """Rows come from the view's ``queryset`` narrowed to the token's workspace.

    The class-level ``queryset`` also tells drf-spectacular the model, so the
    schema is built without a token (and without a workspace).
    """

    filter_backends = [DjangoFilterBackend]

    @property
    def token(self) -> ApiToken:
        return self.request.auth

    @property
    def workspace(self) -> Workspace:
        return self.request.auth.workspace

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not hasattr(self, request.method.lower()):
            return  # Answered 405 next.
        # Unknown parameters are refused: a typo such as ?updated_snce= must not return everything.
        allowed = self.query_parameters() if request.method in ("GET", "HEAD") else set()
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            takes = ", ".join(sorted(allowed)) or "no query parameters"
            raise exceptions.ValidationError(
                {name or "(empty)": [f"Unknown parameter; this takes {takes}."] for name in unknown}
            )

    def query_parameters(self) -> set[str]:
        filterset = getattr(self, "filterset_class", None)
        if filterset is None:
            return set()
        paginator = self.pagination_class
        return set(filterset.base_filters) | {paginator.cursor_query_param, paginator.page_size_query_param}

    def get_queryset(self):
        return super().get_queryset().filter(workspace=self.workspace)

    def list_response(self) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def api_details(self) -> dict:
        """What the opt-out history records about an API change (docs/decisions.md)."""
        return {"via": "api", "token": self.token.name, "token_prefix": self.token.prefix}


def _fingerprint(request: Request) -> str:
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": request.data}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class MessagesView(WorkspaceAPIView):
    queryset = Message.objects.all()
    serializer_class = serializers.MessageSerializer
    pagination_class = NewestFirst
    filterset_class = MessageFilter

    def get_queryset(self):
        # The Messages page's selector, already scoped to the workspace.
        return messaging_selectors.messages_for(self.workspace)

    @extend_schema(
        operation_id="list_messages",
        summary="List messages",
        description="Inbound and outbound messages, newest first.",
        responses={(200, JSON): serializers.MessageSerializer(many=True), **problems()},
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        operation_id="send_message",
        summary="Send a message",
        description="Sends one text through the pre-send guard. A number on the opt-out list is never texted: "
        "the message is created with `status: failed` and `failure_reason: opted_out`.",
        request=serializers.SendMessageSerializer,
        parameters=[_IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "Send now", value={"to": "+14155550123", "body": "Your order has shipped."}, request_only=True
            ),
            OpenApiExample(
                "Schedule",
                value={"to": "(415) 555-0124", "body": "See you tomorrow!", "scheduled_for": "2030-01-01T09:00:00Z"},
                request_only=True,
            ),
        ],
        responses={(201, JSON): serializers.MessageSerializer, **problems(415, 422)},
    )
    def post(self, request: Request) -> Response:
        incoming = serializers.SendMessageSerializer(data=request.data, context={"workspace": self.workspace})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        send = dict(to=data["to"], body=data["body"], scheduled_for=data.get("scheduled_for"))
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
            detail = "Use 1 to 255 printable ASCII characters without spaces."
            raise Problem("validation-error", detail, errors={IDEMPOTENCY_HEADER: [detail]})
        try:
            if key is None:
                message = messaging_services.send_message(workspace=self.workspace, actor=self.token.created_by, **send)
                return self._created(serializers.MessageSerializer(message).data, message.pk)
            outcome = services.send_message_once(
                workspace=self.workspace,
                token=self.token,
                key=key,
                fingerprint=_fingerprint(request),
                actor=self.token.created_by,
                render=lambda message: dict(serializers.MessageSerializer(message).data),
                **send,
            )
        except DjangoValidationError as error:
            raise validation_problem(error, field="to") from None
        except services.IdempotencyKeyReused:
            raise Problem(
                "idempotency-key-reused",
                f"The Idempotency-Key “{key}” was already used with a different request.",
            ) from None
        response = self._created(outcome.body, outcome.message_id, status_code=outcome.status)
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _created(self, body: dict, message_id: int | None, status_code: int = status.HTTP_201_CREATED) -> Response:
        headers = {}
        if message_id is not None:
            location = reverse("api:message", kwargs={"id": message_id})
            headers["Location"] = self.request.build_absolute_uri(location)
        return Response(body, status=status_code, headers=headers)


class MessageView(WorkspaceAPIView):
    queryset = Message.objects.all()
    serializer_class = serializers.MessageSerializer

    @extend_schema(
        operation_id="get_message",
        summary="Get a message",
        description="One message of the token's workspace, with its current status.",
        responses={(200, JSON): serializers.MessageSerializer, **problems(404)},
    )
    def get(self, request: Request, id: int) -> Response:
        message = self.get_queryset().filter(pk=id).first()
        if message is None:
            raise Problem("not-found", f"There is no message {id} in this workspace.")
        return Response(self.get_serializer(message).data)


class OptOutsView(WorkspaceAPIView):
    queryset = OptOut.objects.select_related("created_by")
    serializer_class = serializers.OptOutSerializer
    pagination_class = NewestFirst
    filterset_class = ApiOptOutFilter

    @extend_schema(
        operation_id="list_opt_outs",
        summary="List opt-outs",
        description="The workspace's opt-out list, newest first. `q` searches by number in any writing "
        "(`415 555`, `(415) 555-0123`); `updated_since` returns entries added or edited since then "
        "(removals are in `/opt-out-events`).",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Digits of the number in any writing, e.g. 415 555.")
        ],
        responses={(200, JSON): serializers.OptOutSerializer(many=True), **problems()},
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        operation_id="add_opt_out",
        summary="Add an opt-out",
        description="Adds a number with method `manual`. A `method` in the body is ignored: only a recipient's "
        "own STOP reply creates `reply`, and only their opt-out link creates `link`.",
        request=serializers.OptOutCreateSerializer,
        examples=[
            OpenApiExample("Add", value={"phone": "+14155550142", "reason": "Asked by email"}, request_only=True)
        ],
        responses={
            (201, JSON): serializers.OptOutSerializer,
            **problems(409, 415, s409="The number is already opted out."),
        },
    )
    def post(self, request: Request) -> Response:
        incoming = serializers.OptOutCreateSerializer(data=request.data, context={"workspace": self.workspace})
        incoming.is_valid(raise_exception=True)
        try:
            optout = optout_services.add_opt_out(
                workspace=self.workspace,
                phone=incoming.validated_data["phone"],
                reason=incoming.validated_data["reason"],
                actor=self.token.created_by,
                event_details=self.api_details(),
            )
        except optout_services.AlreadyOptedOut as error:
            messages = error.message_dict["phone"]
            raise Problem("already-opted-out", messages[0], errors={"phone": messages}) from None
        except DjangoValidationError as error:
            raise validation_problem(error, field="phone") from None
        location = reverse("api:opt-out", kwargs={"phone": optout.phone})
        return Response(
            self.get_serializer(optout).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class OptOutView(WorkspaceAPIView):
    queryset = OptOut.objects.select_related("created_by")
    serializer_class = serializers.OptOutSerializer

    def _get_optout(self, phone: str) -> OptOut:
        e164, reason = phones.parse(phone, self.workspace.default_region)
        if e164 is None:
            raise Problem("validation-error", reason, errors={"phone": [reason]})
        optout = self.get_queryset().filter(phone=e164).first()
        if optout is None:
            raise Problem("not-found", f"{phones.format_international(e164)} is not opted out.")
        return optout

    @extend_schema(
        operation_id="get_opt_out",
        summary="Is this number opted out?",
        description="200 with the entry when the number is on the list, 404 when it is not.",
        parameters=[_PHONE_PARAMETER],
        responses={(200, JSON): serializers.OptOutSerializer, **problems(404, s404="The number is not opted out.")},
    )
    def get(self, request: Request, phone: str) -> Response:
        return Response(self.get_serializer(self._get_optout(phone)).data)

    @extend_schema(
        operation_id="remove_opt_out",
        summary="Remove an opt-out",
        description="Takes the number off the list, whatever its method; it can be texted again at once. "
        "The history records a `removed` event naming the token.",
        parameters=[_PHONE_PARAMETER],
        responses={(204, JSON): None, **problems(404, s404="The number is not opted out.")},
    )
    def delete(self, request: Request, phone: str) -> Response:
        optout = self._get_optout(phone)
        optout_services.remove_opt_out(
            workspace=self.workspace, optout=optout, actor=self.token.created_by, event_details=self.api_details()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class OptOutEventsView(WorkspaceAPIView):
    queryset = OptOutEvent.objects.select_related("actor")
    serializer_class = serializers.OptOutEventSerializer
    pagination_class = OldestFirst
    filterset_class = OptOutEventFilter

    @extend_schema(
        operation_id="list_opt_out_events",
        summary="Opt-out history, for syncing",
        description="Every change to the list (opted_out, opted_in, edited, removed), oldest first. Store the "
        "`at` of the last event you processed and pass it as `since` next time; `since` is inclusive, "
        "so skip event ids you have already seen.",
        responses={(200, JSON): serializers.OptOutEventSerializer(many=True), **problems()},
    )
    def get(self, request: Request) -> Response:
        return self.list_response()


class ConsentsView(WorkspaceAPIView):
    queryset = Consent.objects.select_related("created_by")
    serializer_class = serializers.ConsentSerializer

    @extend_schema(
        operation_id="record_consent",
        summary="Record a consent",
        description="Records that a number agreed to be texted, with the wording it agreed to. The token is "
        "kept as the proof's source (`source.token_id`). Consent records are append-only: there is no edit or "
        "delete. Recording consent does not take a number off the opt-out list.",
        request=serializers.ConsentCreateSerializer,
        examples=[
            OpenApiExample(
                "Web form",
                value={
                    "phone": "+14155550142",
                    "text": "Yes, text me order updates and offers from Acme Bakery.",
                    "method": "form",
                    "ip_address": "203.0.113.9",
                    "user_agent": "Mozilla/5.0",
                    "page_url": "https://shop.example.com/signup",
                },
                request_only=True,
            )
        ],
        responses={(201, JSON): serializers.ConsentSerializer, **problems(415)},
    )
    def post(self, request: Request) -> Response:
        incoming = serializers.ConsentCreateSerializer(data=request.data, context={"workspace": self.workspace})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        source = {"token_id": self.token.pk, "token": self.token.name, "token_prefix": self.token.prefix}
        source |= {key: data[key] for key in ("ip_address", "user_agent", "page_url") if data.get(key)}
        try:
            consent = optout_services.record_consent(
                workspace=self.workspace,
                phone=data["phone"],
                method=data["method"],
                text=data["text"],
                source=source,
                actor=self.token.created_by,
            )
        except DjangoValidationError as error:
            raise validation_problem(error, field="text") from None
        return Response(self.get_serializer(consent).data, status=status.HTTP_201_CREATED)

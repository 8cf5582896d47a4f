from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from emuchat import people, phones
from messaging.models import Message
from messaging.services import MAX_BODY_LENGTH
from optouts.models import Consent, Method, OptOut, OptOutEvent


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class BlankAsNullChoiceField(serializers.ChoiceField):
    def to_representation(self, value):
        return value or None


class PhoneField(StrictCharField):
    """Any writing of a number in; E.164 out, read in the workspace's country."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return phones.normalize(text, self.context["workspace"].default_region)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class MessageSerializer(serializers.ModelSerializer):
    to = serializers.CharField(source="to_phone", read_only=True, help_text="E.164.")
    from_phone = serializers.CharField(source="from_phone", read_only=True, help_text="E.164.")
    failure_reason = BlankAsNullChoiceField(
        choices=Message.FailureReason.choices,
        allow_null=True,
        read_only=True,
        help_text="Why a `failed` message was not sent; null otherwise. `opted_out`: the number is on the list.",
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "to",
            "from_phone",
            "body",
            "status",
            "failure_reason",
            "scheduled_for",
            "sent_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_fields(self):
        # "from" is a Python keyword, so the field is declared as from_phone and renamed here.
        fields = super().get_fields()
        return {("from" if name == "from_phone" else name): field for name, field in fields.items()}


class SendMessageSerializer(serializers.Serializer):
    to = PhoneField(help_text="The recipient, in any writing; national numbers are read in the workspace's country.")
    body = StrictCharField(
        max_length=MAX_BODY_LENGTH,
        help_text="The text. `{opt_out_link}` becomes a link with which the recipient can opt out.",
    )
    scheduled_for = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Send later (ISO 8601). Omitted, null or in the past: send now.",
    )


class PersonNameField(serializers.CharField):
    """A member as the pages name them (full name, else username); null for nobody."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return people.display_name(value) or None


class OptOutSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="The member who added it, if any."
    )
    created_by_name = PersonNameField(
        source="created_by", help_text="That member's name as the pages show it (full name, else username)."
    )
    method = serializers.ChoiceField(
        choices=Method.choices,
        read_only=True,
        help_text="How the number opted out. The API always creates `manual` entries.",
    )

    class Meta:
        model = OptOut
        fields = ["phone", "method", "reason", "created_at", "updated_at", "created_by", "created_by_name"]
        read_only_fields = fields
        extra_kwargs = {"phone": {"help_text": "E.164."}}


class OptOutCreateSerializer(serializers.Serializer):
    """Only a number and a reason: the method is always `manual` (a `method` sent is ignored)."""

    phone = PhoneField(help_text="The number, in any writing.")
    reason = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")


class OptOutEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="The member responsible, if any."
    )
    actor_name = PersonNameField(
        source="actor", help_text="That member's name as the pages show it (full name, else username)."
    )
    details = serializers.DictField(
        read_only=True,
        help_text="Old and new values, the inbound message for replies, and `via`/`token` when made through the API.",
    )

    class Meta:
        model = OptOutEvent
        fields = ["id", "phone", "action", "method", "at", "actor", "actor_name", "details"]
        read_only_fields = fields


class ConsentCreateSerializer(serializers.Serializer):
    """A consent collected by the caller: in its own system (`api`) or on its web form (`form`)."""

    phone = PhoneField(help_text="The number, in any writing.")
    text = StrictCharField(
        max_length=2000, help_text="The wording the person agreed to (the checkbox label, the terms they saw)."
    )
    method = serializers.ChoiceField(
        choices=[(Consent.Method.API, "API"), (Consent.Method.FORM, "Web form")],
        default=Consent.Method.API,
        help_text="`form` when the person ticked a box on your web form (then send `ip_address` and `user_agent`);"
        " `api` otherwise.",
    )
    ip_address = serializers.IPAddressField(required=False, help_text="For `form`: the visitor's address.")
    user_agent = StrictCharField(max_length=500, required=False, help_text="For `form`: the visitor's browser.")
    page_url = serializers.URLField(max_length=500, required=False, help_text="For `form`: the page of the form.")


class ConsentSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="The member who created the token."
    )
    source = serializers.DictField(
        read_only=True, help_text="The proof: `token_id` (the token used) and what you sent about the form."
    )

    class Meta:
        model = Consent
        fields = ["id", "phone", "method", "text", "source", "created_at", "created_by"]
        read_only_fields = fields
        extra_kwargs = {"phone": {"help_text": "E.164."}}

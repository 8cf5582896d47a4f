"""The app's URLs plus two ceiling views: the least work each measured path could do (bench/web.py).

- ``/ceiling/webhook/``: the same Twilio signature check, then one INSERT.
- ``/ceiling/api/``: the same bearer-token look-up (one SELECT), then one INSERT.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from api.models import ApiToken
from api.services import hash_token
from emuchat.urls import urlpatterns as app_urlpatterns
from messaging.models import UnroutedMessage


@csrf_exempt
@require_POST
def ceiling_webhook(request: HttpRequest) -> HttpResponse:
    url = settings.SITE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST.dict(), signature):
        return HttpResponseForbidden("Invalid signature.")
    UnroutedMessage.objects.create(
        to_phone=request.POST["To"], from_phone=request.POST["From"], body=request.POST["Body"], provider_sid=None
    )
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")


@csrf_exempt
@require_POST
def ceiling_api(request: HttpRequest) -> HttpResponse:
    _, _, key = request.headers.get("Authorization", "").partition(" ")
    token = ApiToken.objects.select_related("workspace").filter(key_hash=hash_token(key)).first()
    if token is None:
        return JsonResponse({"detail": "This token is not valid."}, status=401)
    row = UnroutedMessage.objects.create(to_phone="+14155550000", from_phone="api", body=request.body.decode())
    return JsonResponse({"id": row.id}, status=201)


urlpatterns = [
    *app_urlpatterns,
    path("ceiling/webhook/", ceiling_webhook),
    path("ceiling/api/", ceiling_api),
]

from django.urls import path

from . import webhooks

app_name = "webhooks"

urlpatterns = [
    path("twilio/sms/", webhooks.twilio_sms, name="twilio_sms"),
    path("twilio/status/", webhooks.twilio_status, name="twilio_status"),
]

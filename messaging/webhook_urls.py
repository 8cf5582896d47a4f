from django.urls import path

from . import webhooks

app_name = "webhooks"

# With and without the trailing slash: a provider console URL missing it must not
# get a redirect (which loses the POST, and with it a STOP) or a 500 (SPEC §11).
urlpatterns = [
    path("twilio/sms/", webhooks.twilio_sms, name="twilio_sms"),
    path("twilio/sms", webhooks.twilio_sms, name="twilio_sms_without_slash"),
    path("twilio/status/", webhooks.twilio_status, name="twilio_status"),
    path("twilio/status", webhooks.twilio_status, name="twilio_status_without_slash"),
]

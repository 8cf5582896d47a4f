from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path

from messaging import number_views
from workspaces import urls as workspace_urls
from workspaces import views as workspace_views

workspace_patterns = [
    # Before optouts: it adds opt-outs/review/ and settings/compliance/.
    path("", include("compliance.urls")),
    path("opt-outs/", include("optouts.urls")),
    path("contacts/", include("contacts.urls")),
    path("conversations/", include("conversations.urls")),
    path("messages/", include("messaging.urls")),
    path("settings/api-tokens/", include("api.token_urls")),
]

# Sender numbers live in messaging (SenderNumber is its model) but are a workspace
# setting: their page joins the ``workspaces`` namespace here (docs/decisions.md).
workspaces_namespace = workspace_urls.patterns(
    extra_workspace_patterns=[
        path("settings/numbers/", number_views.sender_numbers, name="sender_numbers"),
        path("settings/numbers/<int:pk>/remove/", number_views.sender_number_remove, name="sender_number_remove"),
        path("settings/numbers/<int:pk>/connect/", number_views.sender_number_wire, name="sender_number_wire"),
    ]
)


def favicon(request):
    """Pages link the SVG icon; this answers browsers and tools that ask for /favicon.ico anyway."""
    return HttpResponsePermanentRedirect(static_url("img/favicon.svg"))


urlpatterns = [
    path("", workspace_views.home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/password_reset/", workspace_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include(workspaces_namespace)),
    path("admin/", admin.site.urls),
    path("webhooks/", include("messaging.webhook_urls")),
    path("api/v1/", include("api.urls")),
    path("o/", include("compliance.link_urls")),
    path("w/<slug:slug>/", include(workspace_patterns)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

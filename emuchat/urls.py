from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from workspaces import views as workspace_views

workspace_patterns = [
    # Before optouts: it adds opt-outs/review/ and settings/compliance/.
    path("", include("compliance.urls")),
    path("opt-outs/", include("optouts.urls")),
    path("contacts/", include("contacts.urls")),
    path("conversations/", include("conversations.urls")),
    path("messages/", include("messaging.urls")),
    path("settings/api-tokens/", include("api.token_urls")),
    path("", include("workspaces.urls")),
]

urlpatterns = [
    path("", workspace_views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("webhooks/", include("messaging.webhook_urls")),
    path("api/v1/", include("api.urls")),
    path("o/", include("compliance.link_urls")),
    path("w/<slug:slug>/", include(workspace_patterns)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

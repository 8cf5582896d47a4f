from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import problems, views

app_name = "api"

urlpatterns = [
    path("messages", views.MessagesView.as_view(), name="messages"),
    path("messages/<int:id>", views.MessageView.as_view(), name="message"),
    path("opt-outs", views.OptOutsView.as_view(), name="opt-outs"),
    path("opt-outs/<str:phone>", views.OptOutView.as_view(), name="opt-out"),
    path("opt-out-events", views.OptOutEventsView.as_view(), name="opt-out-events"),
    path("consents", views.ConsentsView.as_view(), name="consents"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("problems/<slug:slug>", problems.problem_type, name="problem-type"),
    # Anything else under /api/v1/ is a 404 in the API's own format, not the HTML page.
    re_path(r"^.*$", problems.not_found),
]

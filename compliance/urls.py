from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("settings/compliance/", views.compliance_settings, name="settings"),
    path("opt-outs/review/", views.review_list, name="review"),
    path("opt-outs/review/<int:pk>/opt-out/", views.review_opt_out, name="review_opt_out"),
    path("opt-outs/review/<int:pk>/dismiss/", views.review_dismiss, name="review_dismiss"),
]

from django.urls import path

from . import jobs_views, views

app_name = "optouts"

urlpatterns = [
    path("", views.optout_list, name="list"),
    path("add/", views.optout_add, name="add"),
    path("<int:pk>/edit/", views.optout_edit, name="edit"),
    path("<int:pk>/remove/", views.optout_remove, name="remove"),
    path("history/<str:phone>/", views.optout_history, name="history"),
    path("history/<str:phone>/consent/", views.consent_add, name="consent_add"),
    path("history/<str:phone>/evidence.zip", views.evidence_download, name="evidence"),
    path("import/", jobs_views.import_start, name="import"),
    path("import/<int:pk>/", jobs_views.import_job, name="import_job"),
    path("import/<int:pk>/map/", jobs_views.import_map, name="import_map"),
    path("import/<int:pk>/invalid-rows.csv", jobs_views.import_invalid, name="import_invalid"),
    path("export/", jobs_views.export_start, name="export"),
    path("export/<int:pk>/", jobs_views.export_job, name="export_job"),
    path("export/<int:pk>/download/", jobs_views.export_download, name="export_download"),
]

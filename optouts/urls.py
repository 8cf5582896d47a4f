from django.urls import path

from . import jobs_views, views

app_name = "optouts"

urlpatterns = [
    path("", views.optout_list, name="list"),
    path("add/", views.optout_add, name="add"),
    path("<int:pk>/edit/", views.optout_edit, name="edit"),
    path("<int:pk>/remove/", views.optout_remove, name="remove"),
    path("history/<str:phone>/", views.optout_history, name="history"),
    path("import/", jobs_views.import_start, name="import"),
    path("export/", jobs_views.export_start, name="export"),
]

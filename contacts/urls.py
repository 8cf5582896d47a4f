from django.urls import path

from . import import_views, views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/edit/", views.contact_edit, name="edit"),
    path("<int:pk>/opt-out/", views.contact_opt_out, name="opt_out"),
    path("<int:pk>/opt-in/", views.contact_opt_in, name="opt_in"),
    path("import/", import_views.import_start, name="import"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/map/", import_views.import_map, name="import_map"),
    path("import/<int:pk>/invalid-rows.csv", import_views.import_invalid, name="import_invalid"),
]

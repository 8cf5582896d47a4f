from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/edit/", views.contact_edit, name="edit"),
    path("<int:pk>/opt-out/", views.contact_opt_out, name="opt_out"),
    path("<int:pk>/opt-in/", views.contact_opt_in, name="opt_in"),
]

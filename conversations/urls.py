from django.urls import path

from . import views

app_name = "conversations"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("new/", views.conversation_new, name="new"),
    path("<int:pk>/", views.conversation_detail, name="detail"),
    path("<int:pk>/opt-out/", views.conversation_opt_out, name="opt_out"),
    path("<int:pk>/opt-in/", views.conversation_opt_in, name="opt_in"),
]

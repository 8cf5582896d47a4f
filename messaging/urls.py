from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("bulk/", views.bulk_send, name="bulk_send"),
    path("senders/<int:pk>/rate/", views.sender_rate, name="sender_rate"),
]

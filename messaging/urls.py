from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("bulk/", views.bulk_send, name="bulk_send"),
    path("bulk-sends/", views.bulk_send_list, name="bulk_send_list"),
    path("bulk-sends/<int:pk>/", views.bulk_send_detail, name="bulk_send_detail"),
    path("senders/<int:pk>/rate/", views.sender_rate, name="sender_rate"),
]

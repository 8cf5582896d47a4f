from django.apps import AppConfig


class OptoutsConfig(AppConfig):
    name = "optouts"

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo workspace ``make run`` loads (``manage.py load_demo``): on top of every app it fills."""

    name = "demo"
    verbose_name = "Demo data"

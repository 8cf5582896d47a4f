from django.urls import path

from . import views

app_name = "links"

# No trailing slash in the links we send (every character costs SMS length); anything
# else under /o/ reaches the same view, so every bad link gets the same neutral 404.
urlpatterns = [
    path("<path:code>", views.optout_link, name="optout"),
]

"""Mount waffle's own URLs, so /waffle_status is the real view."""

from django.urls import include, path

urlpatterns = [
    path("", include("waffle.urls")),
]

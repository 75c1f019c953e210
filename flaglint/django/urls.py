"""``path("flaglint/", include("flaglint.django.urls"))`` serves ``flaglint/status``."""

from __future__ import annotations

from django.urls import path

from flaglint.django import views

app_name = "flaglint"
urlpatterns = [path("status", views.status, name="status")]

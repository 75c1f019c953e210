from django.contrib import admin
from django.urls import include, path

from guardsite.shop import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("flaglint/", include("flaglint.django.urls")),
    path("", views.home),
]

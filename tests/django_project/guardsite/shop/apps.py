from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "guardsite.shop"
    label = "shop"

"""flaglint: find every django-waffle flag, switch and sample reference and check it against flag inventories."""

__version__ = "0.2.0"

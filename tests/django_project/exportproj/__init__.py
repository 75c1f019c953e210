"""A minimal Django project whose only job is to produce real django-waffle inventory exports for flaglint's tests."""

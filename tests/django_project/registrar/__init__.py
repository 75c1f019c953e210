"""An app with a custom waffle flag model, as WAFFLE_FLAG_MODEL allows."""

"""The scan: which files make up the project, what each yields, what the project derives, resolved names.

The stages, in order: `discovery` (the project's files), then per-file work in `workers` (read, the catalogue's
prefilter, collection) through the `cache` (what each file yielded, by content), `derive` (re-exports and project
models, in rounds), then resolution (`flaglint.resolve`); `pipeline` runs them. Every command, the flake8 plugin
and the Django app call `scan()`, so they all see the same references.
"""

from flaglint.scan.pipeline import scan

__all__ = ["scan"]

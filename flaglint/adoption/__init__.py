"""Adopting flaglint in a large codebase: suppression comments, baselines, and the fingerprints both rely on."""

"""Reporters: results in, text out (text, JSON, SARIF, GitHub annotations, the codes' docs, the progress bar).

Pure functions that return strings; the CLI prints them. The JSON documents are versioned contracts.
"""

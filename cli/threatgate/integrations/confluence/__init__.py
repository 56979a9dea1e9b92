"""Confluence: each model published as a page (Cloud REST v2, Data Center REST v1)."""

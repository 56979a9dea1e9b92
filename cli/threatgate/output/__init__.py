"""Renderers: pure functions from results to text. They never decide exit codes."""

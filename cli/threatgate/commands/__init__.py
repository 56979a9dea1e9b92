"""Thin Click commands: parse options, call the core, print a renderer's output, exit."""

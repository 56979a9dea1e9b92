"""Clients of services outside threatgate (network I/O lives here, never in the core).

The core hands these clients in as plain functions; only ``commands/`` wires them up.
"""

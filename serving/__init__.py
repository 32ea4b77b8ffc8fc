"""Serving the books to the bureaus: `shixun serve`'s login, roles, sandboxed queries and server limits."""

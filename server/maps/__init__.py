"""Organiser maps rendered from frozen releases, with every asset served by the app (P4, P7)."""

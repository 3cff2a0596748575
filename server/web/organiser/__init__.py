"""Organiser pages: login, dashboard, moderation, network and account management."""

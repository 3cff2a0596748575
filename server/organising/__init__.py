"""Organisers: accounts, sessions, moderation, network management, audit."""

"""Intake: accept, validate, coarsen and store member reports."""

"""The cluster test: see __main__."""

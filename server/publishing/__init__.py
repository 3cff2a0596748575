"""Publishing: incidents, noise, publication areas, views and releases."""

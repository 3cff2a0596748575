"""Web pages: member pages and organiser pages live in separate modules and template folders."""

"""Models of the presentations app (added by its issue)."""

"""Pages of the presentations app."""

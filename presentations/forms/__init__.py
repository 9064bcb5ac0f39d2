"""Forms of the presentations app."""

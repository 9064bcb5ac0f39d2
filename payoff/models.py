"""Models of the payoff app (added by its issue)."""

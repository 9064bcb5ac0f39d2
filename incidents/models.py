"""Models of the incidents app (added by its issue)."""

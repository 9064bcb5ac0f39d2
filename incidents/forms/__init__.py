"""Forms of the incident log: police (police.py) and school admins (school.py)."""

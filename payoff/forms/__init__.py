"""Forms of PAYOFF: agreements (agreements.py) and check-ins (check_ins.py)."""

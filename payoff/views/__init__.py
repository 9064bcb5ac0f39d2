"""Pages of PAYOFF: agreements and their ledger (agreements.py), check-ins and re-offence
rates (check_ins.py)."""

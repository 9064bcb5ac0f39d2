"""Pages of the officers app, one module per area: assignments and coverage (with officer
profiles), the activity log, and students, partners and referrals."""

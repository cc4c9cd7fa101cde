"""Account administration (admins only)."""

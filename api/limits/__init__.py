"""api/limits package: what an attacker meets before a route runs (bodies, rates)."""

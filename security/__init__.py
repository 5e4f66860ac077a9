"""The whole access policy of the journal: roles and their permissions (roles.py),
row-level policy (policy.py), and the security manager that applies both (manager.py)."""

"""The model floor: the data types every step shares (inventory, facts, snapshot, policy,
verdicts, plans, problems) and the few helpers they need (files, resources).

Nothing here imports anything of govnet above it; every other floor stands on this one.
"""

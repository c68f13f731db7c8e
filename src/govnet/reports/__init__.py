"""The reports people read: coverage, progress, exits, lines and deadlines."""

"""Members and their contributions: models, repository, CSV import CLI, demo data."""

"""Identity: people's accounts, their roles and organizations, passwords and rights."""

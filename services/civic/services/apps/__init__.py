"""Apps: third-party applications (OAuth clients), their metadata, credentials and access."""

"""The tables the migrations and the models must both define, in one place for all tests."""

DOMAIN_TABLES = {
    "organizations",
    "datasets",
    "resources",
    "outbox",
    "users",
    "memberships",
    "apps",
    "app_access_events",
    "oauth_authorization_codes",
    "oauth_tokens",
    "oauth_initial_access_tokens",
    "reuses",
    "reuse_datasets",
    "reuse_moderation_events",
    "usage_events",
    "usage_daily",
    "usage_rollup_state",
    "webhooks",
    "webhook_deliveries",
    "webhook_attempts",
}

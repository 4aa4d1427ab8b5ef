"""The bootstrap builds every adapter from its settings' sections, which the settings fill."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from civic.connectors.webhooks import FakeWebhookSender, HttpWebhookSender
from civic.platform.settings import load_settings
from civic.platform.wiring import connection_settings
from civic.services.bootstrap import Bootstrap, ConnectionSettings, UsageSettings, WebhookSettings
from civic.services.usage.writer import MemorySink

BASE = ConnectionSettings(
    database_url="postgresql+psycopg://postgres@127.0.0.1:1/unused",
    redis_url="redis://127.0.0.1:1/0",
    ckan_url="http://127.0.0.1:1",
)


@pytest.fixture
def settings(clean_environment: None) -> ConnectionSettings:
    return connection_settings(
        load_settings(
            {
                "env": "test",
                "webhook_timeout": 3.5,
                "webhook_max_attempts": 4,
                "webhook_retry_base": 2.0,
                "webhook_retry_max": 60.0,
                "webhook_allow_private_targets": False,
                "usage_batch_size": 7,
                "usage_queue_size": 1000,
                "search_cache_size": 3,
                "mail_password": "secret",
                "readiness_timeout": 1.5,
            }
        )
    )


def test_the_sections_are_read_from_the_settings(settings: ConnectionSettings) -> None:
    assert settings.webhooks == WebhookSettings(
        timeout=3.5, max_attempts=4, retry_base=2.0, retry_max=60.0, allow_private_targets=False
    )
    assert settings.usage.batch_size == 7 and settings.usage.queue_size == 1000
    assert settings.search_cache_size == 3
    assert settings.probe_timeout == 1.5
    assert settings.mail is not None and settings.mail.password == "secret"  # unwrapped


def test_a_section_field_without_a_setting_is_an_error(clean_environment: None) -> None:
    @dataclasses.dataclass
    class Odd:
        timeout: float
        colour: str = "blue"

    settings = load_settings({"env": "test"})
    with pytest.raises(TypeError, match="webhook_colour"):
        settings.section(Odd, "webhook_")
    assert settings.section(Odd, "webhook_", colour="red").colour == "red"


def test_the_adapters_follow_their_sections(settings: ConnectionSettings) -> None:
    bootstrap = Bootstrap(settings, engine=sa.create_engine("sqlite://"))
    sender = bootstrap.webhook_sender
    assert isinstance(sender, HttpWebhookSender)
    assert sender is bootstrap.webhook_sender  # built once
    assert not sender.policy.allow_private
    retry = bootstrap.webhook_retry
    assert (retry.max_attempts, retry.base, retry.max_wait) == (4, 2.0, 60.0)
    assert bootstrap.search_cache.size == bootstrap.ckan_search_cache.size == 3
    assert bootstrap.search_cache is not bootstrap.ckan_search_cache
    writer = bootstrap.usage_writer(MemorySink())
    try:
        assert writer.batch_size == 7
    finally:
        writer.close(1.0)
    bootstrap.close()


def test_a_fake_sender_replaces_the_real_one() -> None:
    fake = FakeWebhookSender()
    bootstrap = Bootstrap(dataclasses.replace(BASE, usage=UsageSettings()), webhook_sender=fake)
    assert bootstrap.webhook_sender is fake


def test_a_fork_forgets_the_parents_caches() -> None:
    bootstrap = Bootstrap(BASE, engine=sa.create_engine("sqlite://"))
    before = bootstrap.search_cache
    bootstrap.after_fork()
    assert bootstrap.search_cache is not before

"""The gateway's configuration, in one place.

:mod:`.model` is what the settings are (:class:`Settings`: typed, immutable, one
field per setting with its default and bounds); :mod:`.layers` is where their values
come from (``config/<env>.toml``, then ``CIVIC_*`` variables, then the test's dict:
:func:`load_settings`). Both are imported from here.
"""

from civic.platform.settings.layers import (
    ENV_PREFIX,
    REPOSITORY_ROOT,
    SECRET_KEYS,
    SettingsError,
    from_environment,
    load_settings,
    read_toml,
)
from civic.platform.settings.model import DEFAULT_ENV, REDACTED, LogLevel, Settings, redact_url

__all__ = [
    "DEFAULT_ENV",
    "ENV_PREFIX",
    "REDACTED",
    "REPOSITORY_ROOT",
    "SECRET_KEYS",
    "LogLevel",
    "Settings",
    "SettingsError",
    "from_environment",
    "load_settings",
    "read_toml",
    "redact_url",
]

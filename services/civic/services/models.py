"""Every mapped table of the platform, so that Alembic and tests see the whole schema.

Import :data:`metadata` from here (not from :mod:`civic.services.db`) whenever the
full set of tables matters; a domain that adds models adds its import below.
"""

from __future__ import annotations

from civic.services.catalog.models import Dataset, Organization, Resource
from civic.services.db import metadata
from civic.services.outbox.models import OutboxMessage

__all__ = ["Dataset", "Organization", "OutboxMessage", "Resource", "metadata"]

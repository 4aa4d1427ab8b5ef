"""The CKAN connector: the platform's only way to CKAN.

Services type against :class:`CkanClient`; :class:`RemoteCkan` is the real
adapter; the in-memory one for unit tests is
:class:`civic.connectors.ckan.fake.FakeCkan`.
"""

from civic.connectors.ckan.interfaces import (
    CkanClient,
    CkanDataset,
    CkanError,
    CkanNotAuthorized,
    CkanNotFound,
    CkanOrganization,
    CkanResource,
    CkanSearchResult,
    CkanStatus,
    CkanUnavailable,
    CkanValidationError,
)
from civic.connectors.ckan.remote import RemoteCkan

__all__ = [
    "CkanClient",
    "CkanDataset",
    "CkanError",
    "CkanNotAuthorized",
    "CkanNotFound",
    "CkanOrganization",
    "CkanResource",
    "CkanSearchResult",
    "CkanStatus",
    "CkanUnavailable",
    "CkanValidationError",
    "RemoteCkan",
]

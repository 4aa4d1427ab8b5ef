"""The CKAN connector: the platform's only way to CKAN.

Services type against :class:`CkanClient`; :class:`RemoteCkan` is the real
adapter. The in-memory one lives with the tests (``tests/fakes/ckan.py``), not in
the wheel; a contract test runs against both, the real one against a real CKAN.
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

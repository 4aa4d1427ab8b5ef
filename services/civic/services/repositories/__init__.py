"""The adapters of the domain's repositories: PostgreSQL (:mod:`.sql`), in memory (:mod:`.memory`).

Each domain declares the narrow Protocols its rules need in its own ``ports`` module
(catalog, reuses, apps, tokens, outbox); this package is the one place that knows
them all, so no domain package imports it. :class:`~civic.services.bootstrap.Bootstrap`
gives :func:`.sql.repositories` to the units of work it builds; unit tests run the
same rules on :class:`.memory.MemoryUnitOfWork`, and one contract test
(``tests/uow_contract.py``) holds both to the same behaviour.
"""

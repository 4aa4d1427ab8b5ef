"""Pathway evaluation: the seed's pathways checked against how the platform is used.

The engine reads plain records from an :class:`~civic.services.evaluation.sources.EvidenceSource`
(the database in production, memory in tests), computes the indicators of
``docs/indicators.md`` with their uncertainty, gives each expectation of the pathway set
(``config/pathways.toml``) a result and each entry a verdict, and assembles reports.
"""

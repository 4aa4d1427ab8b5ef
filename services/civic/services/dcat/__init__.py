"""DCAT-AP 3 export of the catalog (``/catalog.ttl``, ``.jsonld``, ``.rdf``, per dataset)."""

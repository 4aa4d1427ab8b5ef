"""DCAT-AP 3 export of the catalog, paged for harvesters, and of each dataset.

At ``/catalog.ttl``, ``.jsonld``, ``.rdf``, ``.xml`` and ``/dataset/<id or name>.<ext>``.
"""

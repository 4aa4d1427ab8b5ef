"""Publishing: delivering the catalog to CKAN (outbox handlers, worker, reconcile, bulk files)."""

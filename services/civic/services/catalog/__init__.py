"""Catalog: publishing organizations, and the gateway's mirror of CKAN datasets and resources."""

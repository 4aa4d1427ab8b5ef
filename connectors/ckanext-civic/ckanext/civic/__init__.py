"""ckanext-civic: Civic Platform's CKAN extension.

Plugin ``civic_search`` (:mod:`ckanext.civic.plugin`) replaces CKAN's Solr
connection with a PostgreSQL search backend (:mod:`ckanext.civic.search`).
"""

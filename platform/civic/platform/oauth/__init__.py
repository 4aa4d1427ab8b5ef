"""The OAuth 2.0 authorization server (Authlib) and the bearer-token protection of the API.

:mod:`.server` holds all of Authlib's wiring (grants, endpoints, extensions);
:mod:`.views` its routes; :mod:`.protection` checks tokens on API calls;
:mod:`.models` adapts the services' objects to Authlib's model interfaces.
"""

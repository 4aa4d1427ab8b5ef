"""WSGI entry point for CKAN under gunicorn (run from CKAN's own venv).

CKAN's wheel ships no WSGI module; this is the documented pattern: load the ini
named by ``CKAN_INI`` and build the app once per gunicorn worker.
"""

import os

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

application = make_app(CKANConfigLoader(os.environ["CKAN_INI"]).get_config())

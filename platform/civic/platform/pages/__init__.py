"""The catalog's web pages: search with facets, dataset and organization pages, publisher form.

Server-rendered, in English and French (Flask-Babel; the language comes from
``?lang=``, the ``civic_lang`` cookie or else the browser's Accept-Language; see
:mod:`civic.platform.site.locale`), usable with a keyboard alone:
every field has a label, errors are tied to their fields, no script is needed.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel, get_locale

from civic.platform.pages import catalog, labels, publisher
from civic.platform.site.locale import select_locale


def init_app(app: Flask) -> None:
    """Install Flask-Babel and the catalog's pages on ``app``."""
    Babel(app, locale_selector=select_locale)
    app.context_processor(
        lambda: {
            "sync_label": labels.sync_label,
            "level_label": labels.level_label,
            "get_locale": get_locale,
        }
    )
    app.register_blueprint(catalog.blueprint())
    app.register_blueprint(publisher.blueprint())

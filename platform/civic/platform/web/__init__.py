"""The web pages: login and logout, the developer portal, the OAuth consent page.

Forms are protected by Flask-WTF's CSRF tokens (checked explicitly in these views
only, so API and OAuth endpoints, called by programs, are not affected). The
session cookie is signed, ``HttpOnly``, ``SameSite=Lax``, and ``Secure`` when the
settings say so or the request came over https.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect

from civic.platform.settings import Settings
from civic.platform.web import accounts, auth, contests, my_datasets, portal, session


def init_app(app: Flask, settings: Settings, limiter: Limiter) -> None:
    """Install sessions, CSRF protection and the web blueprints on ``app``.

    Login attempts are limited per address by ``limiter`` (on top of the per-account
    lockout), so guessing many accounts' passwords from one place is slow too.
    """
    session.init_app(app, settings)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    CSRFProtect(app)
    login = auth.blueprint()
    limiter.limit(
        settings.login_rate_limit, methods=["POST"], key_func=lambda: request.remote_addr or ""
    )(login)
    app.register_blueprint(login)
    app.register_blueprint(portal.blueprint())
    # Sign-up, verification, reset, the account page; their forms that mail someone are
    # limited per e-mail address and per client address.
    app.register_blueprint(accounts.blueprint(settings, limiter))
    app.register_blueprint(contests.blueprint())  # owners contest their app's suspension
    app.register_blueprint(my_datasets.blueprint())  # a publisher's datasets, withdrawn here
    app.config["CIVIC_SIGNUP_OPEN"] = settings.signup_open  # the login page links to sign-up

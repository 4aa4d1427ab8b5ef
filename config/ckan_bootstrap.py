"""Create (or find) the gateway's sysadmin in CKAN and print a new API token for it.

Run by scripts/stack.py with CKAN's own venv and ``CKAN_INI`` set. One process
instead of three `ckan` commands (user add, sysadmin add, user token add) saves a
CKAN start each, and keeps the generated password and the token out of any
command line or log: the token goes to stdout only, for the caller to store.
"""

import os
import secrets
import sys

from ckan import model
from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app
from ckan.logic import get_action


def main(name: str) -> None:
    app = make_app(CKANConfigLoader(os.environ["CKAN_INI"]).get_config())
    with app._wsgi_app.test_request_context():  # actions expect a request context
        site_user = get_action("get_site_user")({"ignore_auth": True}, {})
        context = {"user": site_user["name"], "ignore_auth": True}
        user = model.User.get(name)
        if user is None:
            get_action("user_create")(
                dict(context),
                {
                    "name": name,
                    "email": f"{name}@civic.invalid",
                    "password": secrets.token_urlsafe(24),
                },
            )
            user = model.User.get(name)
        if not user.sysadmin:
            user.sysadmin = True
            model.Session.commit()
        token = get_action("api_token_create")(dict(context), {"user": name, "name": "gateway"})
    sys.stdout.write(token["token"] + "\n")


if __name__ == "__main__":
    main(sys.argv[1])

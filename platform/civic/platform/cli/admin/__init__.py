"""``civic admin``: the admin console's actions at the command line, through the same
services as the pages and the API, logged as the operator's (``via: cli``).

``civic apps suspend|refuse|restore|set-plan`` are logged the same way.

One module per area, each listing its commands in ``COMMANDS``, all added to the one
:func:`admin` group here: :mod:`.users` (accounts and role requests), :mod:`.apps`
(apps and contests), :mod:`.reuses`, :mod:`.organizations`, :mod:`.audit`; how a
command acts and prints, and the options they share, is :mod:`.acting`.
"""

from __future__ import annotations

import click

from civic.platform.cli.admin import apps, audit, organizations, reuses, users


@click.group()
def admin() -> None:
    """Govern the platform: roles, accounts, apps, contests, reuses, organizations, the log."""


for _area in (users, apps, reuses, organizations, audit):
    for _command in _area.COMMANDS:
        admin.add_command(_command)

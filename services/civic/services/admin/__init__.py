"""Governing the platform: what administrators do to users, apps, reuses and
organizations, each action recorded in the audit log (who, what, when, why), and
the contests of suspended apps' owners.

One service function per action, shared by the admin console's pages, the API
(``/api/v1/admin/...``) and the ``civic admin`` commands.
"""

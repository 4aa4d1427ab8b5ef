"""Reuses: what apps and people build with the datasets (udata's types and topics).

Tables (see :mod:`.models`): ``reuses`` (one per declared reuse, with its type,
topic, purpose, state and owner's actor type), ``reuse_datasets`` (which datasets
each reuse uses) and ``reuse_moderation_events`` (every archive, flag and restore
by an administrator, with its reason).
"""

"""Tokens: authorization codes, access and refresh tokens, initial access tokens.

Every secret the platform hands out is a random string shown once; only its
SHA-256 is stored (256 random bits need no slow hash), and lookups go by that hash,
so a database leak gives no usable credential.
"""

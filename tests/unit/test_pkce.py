"""PKCE (RFC 7636): the Appendix B test vector, computed the ways the platform uses."""

from __future__ import annotations

import base64
import hashlib

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from civic.platform.oauth.server import S256Challenge

# RFC 7636, Appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_appendix_b_vector_by_hand() -> None:
    digest = hashlib.sha256(VERIFIER.encode("ascii")).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii") == CHALLENGE


def test_appendix_b_vector_as_the_server_checks_it() -> None:
    assert create_s256_code_challenge(VERIFIER) == CHALLENGE
    check = S256Challenge.CODE_CHALLENGE_METHODS["S256"]
    assert check(VERIFIER, CHALLENGE)
    assert not check(VERIFIER[:-1] + "l", CHALLENGE)


def test_the_server_offers_s256_only() -> None:
    assert S256Challenge.SUPPORTED_CODE_CHALLENGE_METHOD == ["S256"]

"""Where the login page sends a browser afterwards: only to a path of this site."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from civic.platform.web.session import safe_next

UNSAFE = (
    "/\r\nSet-Cookie:x=1",
    "/\nx",
    "/\\evil.example",
    "\\\\evil.example",
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "/\x00x",
    "",
    None,
)


@pytest.mark.parametrize("target", UNSAFE)
def test_an_unsafe_next_gives_the_default(target: str | None) -> None:
    assert safe_next(target, "/portal/") == "/portal/"


@pytest.mark.parametrize("target", ["/portal/apps/abc", "/reuses?q=a%20b&page=2", "/catalog"])
def test_a_path_of_this_site_is_kept(target: str) -> None:
    assert safe_next(target, "/portal/") == target


def test_the_login_page_with_a_crlf_next_is_not_a_500(client: FlaskClient) -> None:
    page = client.get("/login?next=/%0D%0ASet-Cookie:x=1")
    assert page.status_code == 200
    # Refused: no page to go back to, so the person will land by role (navigation.landing).
    assert 'name="next" value=""' in page.get_data(as_text=True)

"""French and English everywhere (issue 16): the message extraction is run here, and
every message of the pages must have its French translation, compiled; no page
template may hold words outside the message catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PLATFORM = Path(__file__).resolve().parents[2] / "platform" / "civic" / "platform"
PO = PLATFORM / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Templates rendered outside the site's layout and language: the pathway report (a
# printable document of its own), the API docs page (Swagger UI), mails.
OUTSIDE = ("reports/", "api_docs.html", "mail/")
# Words a template may hold as they are: names, formats, standards, codes.
ALLOWED = {
    "République", "Française", "DCAT-AP", "Turtle", "JSON-LD", "RDF/XML", "JSON", "API",
    "CSV", "client_id", "client_secret", "registration_access_token", "RFC", "7592", "UTC",
    "ms", "curl", "ckanapi",
}  # fmt: skip


def _extracted() -> dict[object, list[str]]:
    with (PLATFORM / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    messages: dict[object, list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(PLATFORM), method_map, options_map
    ):
        messages.setdefault(message, []).append(filename)
    return messages


@pytest.fixture(scope="module")
def extracted() -> dict[object, list[str]]:
    return _extracted()


def test_the_extraction_finds_the_pages_messages(extracted: dict[object, list[str]]) -> None:
    files = {filename for filenames in extracted.values() for filename in filenames}
    for expected in (
        "templates/layout/base.html",
        "templates/site/error.html",
        "templates/web/login.html",
        "templates/web/portal.html",
        "templates/reuses/list.html",
        "templates/usage/app.html",
        "templates/oauth/consent.html",
        "site/errors.py",
    ):
        assert expected in files, expected
    assert len(extracted) > 400


def test_every_message_has_a_french_translation(extracted: dict[object, list[str]]) -> None:
    with PO.open("rb") as po_file:
        catalog = read_po(po_file, locale="fr")
    untranslated = []
    for message, filenames in extracted.items():
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        strings = [] if entry is None else [entry.string] if isinstance(key, str) else []
        if entry is not None and isinstance(message, tuple):
            strings = list(entry.string)
        if not strings or not all(strings) or (entry is not None and entry.fuzzy):
            untranslated.append(f"{filenames[0]}: {message!r}")
            continue
        wanted = set(PLACEHOLDER.findall(key))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (message, string)
    assert not untranslated, "no French translation:\n" + "\n".join(sorted(untranslated))


def test_the_compiled_catalog_is_up_to_date(extracted: dict[object, list[str]]) -> None:
    with PO.open("rb") as po_file:
        source = read_po(po_file, locale="fr")
    with MO.open("rb") as mo_file:
        compiled = {
            _key(message.id): _key(message.string) for message in read_mo(mo_file) if message.id
        }
    stale = [
        message.id
        for message in source
        if message.id and message.string and compiled.get(_key(message.id)) != _key(message.string)
    ]
    assert not stale, f"run pybabel compile -d translations; stale: {stale[:5]}"


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def _bare_text(template: str) -> str:
    text = re.sub(r"\{#.*?#\}", " ", template, flags=re.S)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style|pre|code|svg)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"<!--.*?-->|<[^>]*>", " ", text, flags=re.S)
    text = re.sub(r'[\w-]+="[^"]*"', " ", text)  # attributes a macro writes
    return re.sub(r"&\w+;|&#\d+;", " ", text)


def test_no_page_template_holds_words_outside_the_catalog() -> None:
    found = []
    for path in sorted((PLATFORM / "templates").rglob("*.html")):
        name = path.relative_to(PLATFORM / "templates").as_posix()
        if name.startswith(OUTSIDE):
            continue
        words = re.findall(r"[^\W\d_][\w'\u2019/.-]*", _bare_text(path.read_text()))
        stray = [word for word in words if word not in ALLOWED and len(word) > 1]
        if stray:
            found.append(f"{name}: {' '.join(stray[:12])}")
    assert not found, "words outside _():\n" + "\n".join(found)

"""The Atom feed (RFC 4287) of an organization's reuses, so publishers can follow them.

Its links are absolute, under the configured public URL (:mod:`civic.platform.urls`),
never under the Host header of the request that asked for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from civic.platform.urls import external_url
from civic.services.catalog.models import Organization

ATOM = "http://www.w3.org/2005/Atom"


def reuse_feed(
    organization: Organization,
    reuses: Sequence[dict[str, Any]],
    *,
    self_path: str,
) -> bytes:
    """The feed's XML: one entry per reuse (newest first), as :func:`reuse_document` gives.

    ``self_path`` is the feed's own path (from the site's root), for its ``self`` link.
    """
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"urn:civic:organization:{organization.id}:reuses")
    _text(feed, "title", f"Reuses of the data of {organization.title}")
    updated = (
        max((r["updated"] for r in reuses), default=None) or dt.datetime.now(dt.UTC).isoformat()
    )
    _text(feed, "updated", updated)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=external_url(self_path))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "Civic Platform")
    for reuse in reuses:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"urn:uuid:{reuse['id']}")
        _text(entry, "title", reuse["title"])
        _text(entry, "published", reuse["created"])
        _text(entry, "updated", reuse["updated"])
        ET.SubElement(
            entry, f"{{{ATOM}}}link", rel="alternate", href=external_url(f"/reuses/{reuse['id']}")
        )
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=reuse["url"])
        owner = reuse["owner"]
        name = (owner["app"] or {}).get("client_name") or (owner["user"] or {}).get(
            "display_name", "someone"
        )
        entry_author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(entry_author, "name", f"{name} ({owner['actor_type']})")
        ET.SubElement(entry, f"{{{ATOM}}}category", term=reuse["type"], label="type")
        ET.SubElement(entry, f"{{{ATOM}}}category", term=reuse["topic"], label="topic")
        datasets = ", ".join(d["name"] for d in reuse["datasets"])
        summary = f"{reuse['description']}\n\nDatasets: {datasets}".strip()
        _text(entry, "summary", summary)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element

"""Reads DCAT pages with ckanext-dcat's own parser and CKAN's own licence register.

Run by tests/integration/test_dcat_paging.py with CKAN's venv's Python (ckanext-dcat
is installed there for the harvesting site): it imports nothing of the project, so
what it answers is what a harvesting CKAN would make of the gateway's documents.

Protocol, JSON lines: first it writes ``{"register": {licence id: url}}`` (CKAN's
default register, ``ckan.model.license.LicenseRegister``); then, for each line
``{"body": "...", "format": "text/turtle"}`` read on stdin, it writes what
``ckanext.dcat.processors.RDFParser`` makes of it: ``{"datasets": [{"uri",
"identifier", "title", "license_id", "resource_licenses"}], "next_page": url or
null}``, or ``{"error": "..."}``.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

from ckan.model.license import LicenseRegister
from ckanext.dcat.processors import RDFParser


def extra(dataset: dict[str, Any], key: str) -> Any:
    for item in dataset.get("extras", []):
        if item["key"] == key:
            return item["value"]
    return dataset.get(key)


def read(body: str, content_type: str) -> dict[str, Any]:
    parser = RDFParser()
    # As the harvester: the first page's Content-Type names the format of every page.
    parser.parse(body, _format=content_type)
    datasets = [
        {
            "uri": extra(dataset, "uri"),
            "identifier": extra(dataset, "identifier"),
            "title": dataset.get("title"),
            "license_id": dataset.get("license_id"),
            "resource_licenses": [r.get("license") for r in dataset.get("resources", [])],
        }
        for dataset in parser.datasets()
    ]
    return {"datasets": datasets, "next_page": parser.next_page()}


def main() -> None:
    register = {key: licence.url for key, licence in LicenseRegister().items()}
    print(json.dumps({"register": register}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = read(request["body"], request["format"])
        except Exception:
            answer = {"error": traceback.format_exc()}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()

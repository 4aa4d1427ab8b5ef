"""The harvesting site: a second CKAN with ckanext-harvest and ckanext-dcat, as a civic
administration would run it to harvest the platform.

``scripts/stack.py harvester-up`` starts it beside a test stack (its own database, port
and ini; the ``harvester_site`` fixture of tests/conftest.py). Harvest jobs run without a
queue consumer: ``ckan harvester run-test SOURCE`` gathers, fetches and imports in one
process, and the job's counts are read back from ckanext-harvest's own API.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ckanapi
import psycopg
import redis


@dataclass(frozen=True)
class HarvesterSite:
    url: str
    api_token: str
    ini: Path
    ckan_venv: Path
    database_url: str
    redis_url: str

    def api(self) -> Any:
        """ckanapi on the site's Action API as its sysadmin (harvest actions included)."""
        return ckanapi.RemoteCKAN(self.url, apikey=self.api_token)

    def ckan(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run the site's ``ckan`` command line (CKAN's venv, the site's ini)."""
        return subprocess.run(
            [str(self.ckan_venv / "bin" / "ckan"), "-c", str(self.ini), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def create_source(
        self, name: str, url: str, source_type: str, owner_org: str, config: dict[str, Any]
    ) -> dict[str, Any]:
        """A harvest source of ``source_type`` (``ckan``, ``dcat_rdf``) owned by ``owner_org``."""
        with self.api() as api:
            source: dict[str, Any] = api.action.harvest_source_create(
                name=name,
                title=name,
                url=url,
                source_type=source_type,
                owner_org=owner_org,
                frequency="MANUAL",
                config=json.dumps(config),
            )
            return source

    def run_job(self, source: str) -> dict[str, Any]:
        """Run one harvest job of ``source`` in-process; the job as ckanext-harvest reports
        it (``stats``: added, updated, not modified, errored, deleted; error summaries)."""
        with self.api() as api:
            shown = api.action.harvest_source_show(id=source)
        if "source_type" not in shown:
            # ckanext-harvest 1.6.3 on CKAN 2.12: the reindex that ends every job stores
            # the source with its extras unconverted, and run-test reads the source back
            # from the index (KeyError: 'source_type'). CKAN's own rebuild indexes it right.
            rebuilt = self.ckan("search-index", "rebuild", shown["id"])
            assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        ran = self.ckan("harvester", "run-test", source)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        with self.api() as api:
            status = api.action.harvest_source_show_status(id=source)
        job: dict[str, Any] = status["last_job"]
        assert job is not None, "run-test made no job"
        assert job["status"] == "Finished", job
        return job

    def harvested(self, source_id: str) -> dict[str, dict[str, Any]]:
        """The active datasets a source's current harvest objects hold, by harvest guid:
        their name, title, license_id and metadata_modified in this site's database."""
        with psycopg.connect(self.database_url) as connection:
            rows = connection.execute(
                "SELECT o.guid, p.name, p.title, p.license_id, p.metadata_modified"
                " FROM harvest_object o"
                " JOIN package p ON p.id = o.package_id"
                " WHERE o.harvest_source_id = %s AND o.current AND p.state = 'active'",
                (source_id,),
            ).fetchall()
        return {
            guid: {"name": name, "title": title, "license_id": licence, "metadata_modified": when}
            for guid, name, title, licence, when in rows
        }

    def drop_gather_queue(self) -> None:
        """Drop the jobs ckanext-harvest queued for a gather consumer that never runs here
        (harvest_job_create queues each job; run-test then runs it in-process)."""
        with redis.Redis.from_url(self.redis_url) as client:
            client.delete("ckanext-harvest:civic_harvester:harvest_job_id")  # its site_id

"""docker-compose.yml and the Dockerfile, checked as files.

No Docker engine runs here, so these tests read the files: the services the
README names exist, long-running ones have health checks, start order waits for
health, images are pinned, no secret is written in them, the image runs as a
user without privileges and has a health check.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("postgres", "redis", "solr", "ckan", "gateway", "worker", "jobs", "migrate")
ONE_SHOT = {"migrate"}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$")
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def resolve(value: str) -> str:
    """Compose's interpolation with an empty environment: defaults, else a placeholder."""

    def substitute(match: re.Match[str]) -> str:
        if match["op"] in {"-", ":-"}:
            return match["arg"]
        return f"<{match['name']}>"

    return INTERPOLATION.sub(substitute, value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def image_is_pinned(image: str) -> bool:
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag not in {"", "latest"}


# Compose ---------------------------------------------------------------------------
def test_every_service_the_readme_names_is_defined(services: dict[str, Any]) -> None:
    assert set(SERVICES) <= set(services)


@pytest.mark.parametrize("name", [s for s in SERVICES if s not in ONE_SHOT])
def test_long_running_services_have_a_health_check(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    healthcheck = services[name].get("healthcheck") or {}
    assert not healthcheck.get("disable")
    test = healthcheck.get("test")
    assert test, f"{name} has no healthcheck test"
    assert test[0] in {"CMD", "CMD-SHELL"}


@pytest.mark.parametrize("name", ["gateway", "worker", "jobs"])
def test_the_app_waits_for_healthy_data_services_and_the_migration(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends = services[name]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_gateway_health_check_uses_the_health_endpoint(
    services: dict[str, dict[str, Any]],
) -> None:
    test = " ".join(services["gateway"]["healthcheck"]["test"])
    assert "/healthz" in test or "/readyz" in test


def test_ckan_is_configured_and_checked_through_its_api(
    services: dict[str, dict[str, Any]],
) -> None:
    ckan = services["ckan"]
    env = environment(ckan)
    for key in ("CKAN_SQLALCHEMY_URL", "CKAN_SOLR_URL", "CKAN_REDIS_URL", "CKAN_SITE_URL"):
        assert key in env
    assert resolve(env["CKAN_SQLALCHEMY_URL"]).endswith("@postgres:5432/ckan")
    assert resolve(env["CKAN_SOLR_URL"]).startswith("http://solr:8983/")
    assert "/api/3/action/status_show" in " ".join(ckan["healthcheck"]["test"])
    assert ckan["depends_on"]["solr"]["condition"] == "service_healthy"


def test_the_app_image_runs_gateway_worker_and_migration(
    services: dict[str, dict[str, Any]],
) -> None:
    images = {services[name]["image"] for name in ("gateway", "worker", "migrate")}
    assert len(images) == 1
    assert services["worker"]["command"] == ["civic", "worker"]
    assert services["migrate"]["command"] == ["civic", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    env = environment(services["gateway"])
    assert env["CIVIC_ENV"] == "production"
    assert env["CIVIC_CKAN_URL"] == "http://ckan:5000"
    for key in ("CIVIC_DATABASE_URL", "CIVIC_REDIS_URL", "CIVIC_CKAN_API_TOKEN"):
        assert key in env
    assert int(resolve(str(services["gateway"]["deploy"]["replicas"]))) >= 2
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "civic" in scripts


def test_postgres_creates_both_databases_on_first_start(
    services: dict[str, dict[str, Any]],
) -> None:
    postgres = services["postgres"]
    assert "./config/postgres-init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    scripts = sorted((ROOT / "config" / "postgres-init").glob("*.sh"))
    assert scripts
    sql = "\n".join(script.read_text() for script in scripts)
    assert "CREATE DATABASE civic" in sql
    assert "CREATE DATABASE ckan" in sql


def test_images_are_pinned_to_a_tag(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert "image" in service, f"{name} has no image"
        image = resolve(service["image"])
        assert image_is_pinned(image), f"{name}: {image} is not pinned to a tag"


def test_no_secret_is_written_in_the_compose_file(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for key, value in environment(service).items():
            for match in INTERPOLATION.finditer(value):
                if SECRET_NAME.search(match["name"]) and match["op"] in {"-", ":-"}:
                    assert match["arg"] == "", f"{name}.{key} has a default secret"
            literal = INTERPOLATION.sub("", value)
            if SECRET_NAME.search(key):
                assert literal in {"", "string:"}, f"{name}.{key} is written literally"
            for credentials in re.finditer(r"://[^:/@\s]+:([^@\s]*)@", value):
                assert INTERPOLATION.fullmatch(credentials[1]), f"{name}.{key} has a password"


def test_every_required_variable_is_in_env_example(compose: dict[str, Any]) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    referenced = {match["name"] for match in INTERPOLATION.finditer(text)}
    assert referenced <= documented, referenced - documented


def test_env_example_holds_no_real_secret() -> None:
    for line in (ROOT / ".env.example").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#") and SECRET_NAME.search(key):
            assert value in {"", "change-me"}, key


# Dockerfile ------------------------------------------------------------------------
def test_dockerfile_is_multi_stage_on_pinned_python_slim() -> None:
    instructions = dockerfile_instructions()
    args = dict(
        rest.split("=", 1) for keyword, rest in instructions if keyword == "ARG" and "=" in rest
    )
    bases = [
        resolve(re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], rest.split()[0]))
        for keyword, rest in instructions
        if keyword == "FROM"
    ]
    assert len(bases) >= 2
    for base in bases:
        assert image_is_pinned(base)
        assert base.startswith("python:3.11-slim")


def test_dockerfile_runs_as_a_user_without_privileges() -> None:
    users = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"]
    assert users, "no USER instruction"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_has_a_health_check_on_healthz() -> None:
    checks = [rest for keyword, rest in dockerfile_instructions() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/healthz" in checks[0]


def test_dockerfile_installs_from_the_lock_and_serves_the_app_with_gunicorn() -> None:
    instructions = dockerfile_instructions()
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "requirements.lock" in runs
    assert "pip install --no-deps ." in runs
    [cmd] = [rest for keyword, rest in instructions if keyword == "CMD"]
    argv = json.loads(cmd)  # the exec form: no shell between docker and gunicorn
    assert argv[0] == "gunicorn"
    assert argv[argv.index("-c") + 1] == "config/gunicorn.conf.py"
    assert (ROOT / "config" / "gunicorn.conf.py").is_file()
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:8000"
    assert argv[-1] == "civic.platform.app:create_app()"


def test_what_the_dockerfile_copies_exists_and_is_not_ignored() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv"} <= ignored
    for keyword, rest in dockerfile_instructions():
        if keyword != "COPY" or rest.startswith("--from"):
            continue
        *sources, _ = [part for part in rest.split() if not part.startswith("--")]
        for source in sources:
            assert (ROOT / source).exists(), source
            parts = Path(source).parts
            for depth in range(1, len(parts) + 1):
                assert str(Path(*parts[:depth])) not in ignored, f"{source} is in .dockerignore"

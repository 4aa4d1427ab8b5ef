"""Form errors for people (issue 16): in the page's language, keyed by the form's
fields and never pydantic's wording; and where each role lands after logging in."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask, g
from pydantic import ValidationError

from civic.platform.pages.form_errors import field_key, from_validation, message
from civic.platform.pages.publisher import field_anchor, field_label
from civic.platform.site.navigation import landing
from civic.platform.web.session import WebUser
from civic.services.catalog.inputs import DatasetInput
from civic.services.identity.models import Role

BAD_DATASET = {
    "name": "Pas Un Slug",
    "title": " ",
    "description": "d",
    "organization": "ville-a",
    "license": "etalab-2.0",
    "tags": ["ok", "x"],
    "temporal": {"start": "2024-05-01", "end": "2024-01-01"},
    "resources": [{"url": "not a url"}],
}


def _errors() -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        DatasetInput.model_validate(BAD_DATASET)
    return raised.value


@pytest.mark.parametrize(
    ("language", "wanted"),
    [
        (
            "en",
            {
                "name": "Use 2 to 100 lowercase letters, digits, - and _; for example budget-2024.",
                "title": "This field is required.",
                "tags": "Each tag has 2 to 100 letters, digits, spaces, -, _ or .",
                "temporal": "The start of the period must not be after its end.",
                "resources.0.url": "Give a web address starting with http:// or https://.",
            },
        ),
        (
            "fr",
            {
                "name": "Utilisez de 2 à 100 lettres minuscules, chiffres, - et _ ; "
                "par exemple budget-2024.",
                "title": "Ce champ est obligatoire.",
                "resources.0.url": "Indiquez une adresse web commençant par http:// ou https://.",
            },
        ),
    ],
)
def test_the_publisher_form_says_what_to_write_in_the_pages_language(
    app: Flask, language: str, wanted: dict[str, str]
) -> None:
    with app.test_request_context(f"/publish?lang={language}"):
        errors = from_validation(_errors(), {"temporal.start": "temporal"})
        for key, text in wanted.items():
            assert errors[key] == text
        assert not any("should" in text or "pattern" in text for text in errors.values())
        labels = {key: field_label(key) for key in errors}
    if language == "fr":
        assert labels["name"] == "Nom (dans l'adresse)"
        assert labels["resources.0.url"].startswith("Ressource 1")
    else:
        assert labels["resources.0.url"] == "Resource 1: Address (URL)"


def test_an_error_is_keyed_and_linked_by_the_forms_field(app: Flask) -> None:
    assert field_key(["tags", 3]) == "tags"
    assert field_key(["resources", 0, "url"]) == "resources.0.url"
    assert field_key(["temporal", "end"], {"temporal.end": "temporal"}) == "temporal"
    assert field_key([]) == "_"
    assert field_anchor("resources.2.url") == "f-resources-2-url"
    assert field_anchor("temporal") == "f-temporal_start"
    with app.test_request_context("/?lang=en"):
        assert message("title", "string_too_long", {"max_length": 500}) == "At most 500 characters."
        assert message("x", "something_new") == "This value is not valid."


@pytest.mark.parametrize(
    ("role", "organizations", "path"),
    [
        (Role.EVALUATOR, [], "/reports/pathways"),
        (Role.DEVELOPER, [], "/portal/"),
        (Role.ADMIN, [], "/admin/"),
        (Role.PUBLISHER, [("ville-a", "Ville A")], "/organizations/ville-a"),
        (Role.PUBLISHER, [], "/publish"),  # of no organization yet
    ],
)
def test_each_role_lands_where_its_work_is(
    app: Flask, role: Role, organizations: list[tuple[str, str]], path: str
) -> None:
    user = WebUser(id=uuid.uuid4(), email="someone@example.org", display_name="", role=role)
    with app.test_request_context("/login"):
        g.civic_my_organizations = organizations  # what navigation.my_organizations reads
        assert landing(user) == path

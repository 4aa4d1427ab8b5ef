"""Actor types and reuse types are defined once, as the services' enums; the API's
Literals, the forms' choices and the pages' words are derived from them."""

from __future__ import annotations

from typing import get_args

from flask.testing import FlaskClient

from civic.platform.docs import DocumentedApp
from civic.platform.pages import labels
from civic.platform.web import forms, reuses
from civic.platform.web.labels import actor_type_label
from civic.services.apps.models import ActorType, ActorTypeName
from civic.services.literal import values_literal
from civic.services.reuses.vocabulary import (
    ModerationAction,
    ModerationActionName,
    PurposeName,
    ReusePurpose,
    ReuseState,
    ReuseType,
    ReuseTypeName,
    StateName,
)


def test_the_api_literals_list_the_enums_values_in_their_order() -> None:
    assert get_args(values_literal(ActorType)) == tuple(a.value for a in ActorType)
    assert get_args(ActorTypeName) == tuple(a.value for a in ActorType)
    assert get_args(ReuseTypeName) == tuple(t.value for t in ReuseType)
    assert get_args(PurposeName) == tuple(p.value for p in ReusePurpose)
    assert get_args(StateName) == tuple(s.value for s in ReuseState)
    assert get_args(ModerationActionName) == tuple(a.value for a in ModerationAction)


def test_the_openapi_document_lists_the_enums_values(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    owner = schemas["ReuseOwner"]["properties"]["actor_type"]["enum"]
    assert owner == [a.value for a in ActorType]
    assert "company_small" in owner
    assert schemas["ReuseOut"]["properties"]["type"]["enum"] == [t.value for t in ReuseType]
    token_actor = schemas["TokenInput"]["properties"]["actor_type"]["anyOf"][0]["enum"]
    assert token_actor == [a.value for a in ActorType]


def test_the_forms_offer_every_value_of_the_enums() -> None:
    assert tuple(ActorType) == forms.ACTOR_CHOICES
    assert tuple(t.value for t in ReuseType) == reuses.REUSE_TYPES
    assert tuple(p.value for p in ReusePurpose) == reuses.REUSE_PURPOSES


def test_every_value_has_words_and_both_label_functions_read_one_table(
    app: DocumentedApp,
) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert set(labels.actor_type_labels()) == set(ActorType)
        for actor in ActorType:
            assert labels.actor_label(actor.value) == actor_type_label(actor.value)
            assert labels.actor_label(actor.value) != actor.value.replace("_", " ")
        assert labels.actor_label("company_small") == "SME or startup"
        assert labels.actor_label(None) == "—"
        assert labels.actor_label("an_unknown_type") == "an unknown type"
        assert actor_type_label("an_unknown_type") == "an_unknown_type"
        for kind in ReuseType:
            assert labels.reuse_type_label(kind.value) != kind.value
        assert labels.reuse_type_label("news_article") == "News article"
        for purpose in ReusePurpose:
            assert labels.reuse_purpose_label(purpose.value) != purpose.value


def test_the_words_are_translated(app: DocumentedApp) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert labels.actor_label("company_small") != "SME or startup"
        assert actor_type_label("company_small") == labels.actor_label("company_small")

"""Storable text: what XML 1.0 and UTF-8 cannot carry is refused, field by field."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from civic.services.text import TextInput, check_text, text_problem


class Sample(TextInput):
    title: str
    tags: list[str] = Field(default_factory=list)
    extra: dict[str, str] = Field(default_factory=dict)


@pytest.mark.parametrize("text", ["Qualité de l'eau", "tab\there", "lines\r\nand\nmore", "été 🌞"])
def test_text_that_every_format_carries_passes(text: str) -> None:
    assert text_problem(text) is None
    assert Sample(title=text).title == text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("a\x00b", "U+0000"),
        ("a\x1bb", "U+001B"),
        ("a\x0bb", "U+000B"),
        ("a\ufffeb", "U+FFFE"),
        ("x\ud800y", "lone surrogate (U+D800)"),
        ("x\udfffy", "lone surrogate (U+DFFF)"),
    ],
)
def test_what_xml_or_utf8_cannot_carry_is_refused_with_its_place(text: str, said: str) -> None:
    problem = text_problem(text)
    assert problem is not None and said in problem and "position 1" in problem


def test_every_string_of_a_model_is_checked_in_lists_and_dicts_too() -> None:
    with pytest.raises(ValidationError) as refused:
        Sample(title="ok", tags=["fine", "bad\x07"], extra={"k\x01": "v"})
    fields = {error["loc"][0] for error in refused.value.errors()}
    assert fields == {"tags", "extra"}


def test_check_text_returns_what_it_was_given() -> None:
    value = {"a": ["b", "c"]}
    assert check_text(value) is value
    with pytest.raises(ValueError, match="control character"):
        check_text(("ok", "\x02"))

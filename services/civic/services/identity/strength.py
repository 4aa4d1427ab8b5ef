"""Whether a password a person chooses is good enough: long enough, and not guessable.

NIST SP 800-63B asks for a minimum length and a check against lists of commonly used
or compromised passwords, and no composition rules. The check is zxcvbn's (the
estimator Dropbox published): its own dictionaries, offline (30,000 common
passwords from leaks, 30,000 English words, 19,000 film and TV words, 15,000 names
and surnames: 93,855 entries), plus keyboard walks, repeats, sequences, dates and
l33t substitutions, and the person's own name and address given as ``related``.
A password is refused under :data:`MIN_SCORE` (3 of 4: "safely unguessable",
about 10^8 guesses or more).
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

from civic.services.identity.passwords import MAX_LENGTH, MIN_LENGTH

MIN_SCORE = 3
# zxcvbn's matching grows faster than linearly with length; past this many characters
# a password that was strong in its first part stays strong.
_CHECKED_LENGTH = 100


def weakness(password: str, related: Iterable[str] = ()) -> str | None:
    """Why ``password`` is refused, or None. ``related``: the person's name, address..."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    inputs = [part for value in related for part in _parts(value)]
    result = zxcvbn(password[:_CHECKED_LENGTH], user_inputs=inputs)
    if int(result["score"]) >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    warning = str(feedback.get("warning") or "").strip().rstrip(".")
    reason = warning[0].lower() + warning[1:] if warning else "it is easy to guess"
    return f"this password is too easy to guess: {reason}; try a few unrelated words"


def _parts(value: str) -> list[str]:
    # "Marie Curie" and "marie.curie@example.org" give "marie", "curie", "example"...
    text = value.lower()
    for separator in "@.-_+ ":
        text = text.replace(separator, " ")
    return [value.lower(), *(word for word in text.split() if len(word) >= 3)]

"""Self-service accounts and mail: the rules that need no database or network.

Password strength (zxcvbn's offline dictionaries), names, mailed links' shape, the
mails' text and links, the fake mailer, and the sign-up form's refusals, which are
decided before anything is looked up (so they cannot depend on the address).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from tests.fakes.ckan import FakeCkan
from tests.unit.fakes import FakeRedis

from civic.connectors.mail import FakeMailer, Mail, MailUndelivered, SmtpMailer, SmtpSettings
from civic.connectors.mail.sink import find_mail, list_mails
from civic.platform.app import create_app
from civic.platform.web import labels, mails
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.identity import profile, signup, strength
from civic.services.identity.errors import InvalidAccount, WeakPassword
from civic.services.identity.models import Role, RoleRequestStatus
from civic.services.identity.signup import Mailing, Outcome

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.mark.parametrize(
    "password",
    [
        "password1234",  # the common-password list
        "azertyuiop123",  # a keyboard walk
        "123456789012",
        "aaaaaaaaaaaaaaaa",  # repeats
        "qwertyuiopasdf",
        "short",  # under 12 characters
        "Iloveyou2024!",
    ],
)
def test_guessable_passwords_are_refused(password: str) -> None:
    assert strength.weakness(password) is not None


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "loup garou pivoine 42", "Tr0ub4dor&3xyz"]
)
def test_unguessable_passwords_pass(password: str) -> None:
    assert strength.weakness(password) is None


def test_the_persons_own_name_and_address_count_against_the_password() -> None:
    password = "Zephyrine Quillard"
    assert strength.weakness(password) is None
    assert strength.weakness(password, ["Zephyrine Quillard", "zq@example.org"]) is not None


def test_a_weak_password_raises_weak_password_with_the_reason() -> None:
    with pytest.raises(WeakPassword, match="common password"):
        signup.check_new_password("password1234")
    assert issubclass(WeakPassword, InvalidAccount)


def test_names_are_trimmed_and_bounded() -> None:
    assert signup.clean_name("  Ada   Lovelace ") == "Ada Lovelace"
    with pytest.raises(InvalidAccount):
        signup.clean_name("   ")
    with pytest.raises(InvalidAccount):
        signup.clean_name("x" * 201)


def test_link_tokens_are_stored_as_sha256() -> None:
    assert len(signup.link_hash("abc")) == 64
    assert signup.link_hash("abc") != signup.link_hash("abd")


def test_a_session_key_that_is_not_one_ends_nothing_without_a_query() -> None:
    # Refused before the database is reached (the unit of work is never used).
    assert profile.end_session(None, None, "../../etc") is False  # type: ignore[arg-type]
    assert profile.end_session(None, None, "ABCDEF0123456789") is False  # type: ignore[arg-type]
    assert profile.end_session(None, None, "") is False  # type: ignore[arg-type]


def test_only_publisher_and_evaluator_can_be_asked_for() -> None:
    assert profile.REQUESTABLE_ROLES == (Role.PUBLISHER, Role.EVALUATOR)


def test_times_are_shown_to_the_minute_in_utc() -> None:
    moment = dt.datetime(2026, 12, 2, 15, 4, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert labels.when(moment) == "2026-12-02 14:04 UTC"
    assert labels.when(None) == "-"


def test_the_fake_mailer_keeps_or_refuses() -> None:
    mailer = FakeMailer()
    mailer.send(Mail(to="a@example.org", subject="s", text="t"))
    assert [mail.subject for mail in mailer.to("a@example.org")] == ["s"]
    with pytest.raises(MailUndelivered):
        FakeMailer(fail=True).send(Mail(to="a@example.org", subject="s", text="t"))


def test_smtp_messages_carry_sender_language_and_no_autoreply() -> None:
    mailer = SmtpMailer(
        SmtpSettings(host="127.0.0.1", port=1, sender="Civic <no-reply@civic.example>")
    )
    message = mailer.message(Mail(to="a@example.org", subject="Vérifiez", text="é", language="fr"))
    assert message["From"] == "Civic <no-reply@civic.example>"
    assert message["Content-Language"] == "fr"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@civic.example>")
    assert message.get_content().strip() == "é"


def test_an_unreachable_relay_is_mail_undelivered() -> None:
    mailer = SmtpMailer(
        SmtpSettings(host="127.0.0.1", port=9, sender="a@example.org", tls="none", timeout=2)
    )
    with pytest.raises(MailUndelivered, match=r"127\.0\.0\.1:9"):
        mailer.send(Mail(to="b@example.org", subject="s", text="t"))


def test_the_sink_reader_refuses_paths_outside_its_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.eml").write_bytes(
        b"From: x@example.org\nTo: y@example.org\nSubject: hi\n\nbody\n"
    )
    assert [mail.subject for mail in list_mails(tmp_path)] == ["hi"]
    assert find_mail(tmp_path, "a.eml") is not None
    for name in ("../a.eml", "a.txt", ".a.eml", "sub/a.eml"):
        assert find_mail(tmp_path, name) is None
    assert list_mails(tmp_path / "missing") == []


# The pages, with fakes -------------------------------------------------------------
@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def account_client(sqlite_engine: Engine, mailer: FakeMailer) -> FlaskClient:
    bootstrap = Bootstrap(
        ConnectionSettings(
            database_url="postgresql+psycopg://postgres@127.0.0.1:1/unused",
            redis_url="redis://127.0.0.1:1/0",
            ckan_url="http://127.0.0.1:1",
        ),
        engine=sqlite_engine,
        redis_client=FakeRedis(),  # type: ignore[arg-type]
        ckan=FakeCkan(),
        mailer=mailer,
    )
    app = create_app(
        {
            "env": "test",
            "ratelimit_storage_url": "memory://",
            "public_url": "https://data.example.org",
        },
        bootstrap=bootstrap,
    )
    return app.test_client()


def test_the_login_page_links_to_sign_up_and_reset(account_client: FlaskClient) -> None:
    page = account_client.get("/login").get_data(as_text=True)
    assert 'href="/signup"' in page
    assert 'href="/password-reset"' in page


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        (
            {"name": "Ada", "email": "not an address", "password": "correct horse battery staple"},
            "address",
        ),
        (
            {"name": " ", "email": "ada@example.org", "password": "correct horse battery staple"},
            "name",
        ),
        ({"name": "Ada", "email": "ada@example.org", "password": "password1234"}, "guess"),
        ({"name": "Ada", "email": "ada@example.org", "password": "short"}, "12 characters"),
    ],
)
def test_a_refused_sign_up_form_mails_nothing_and_says_why(
    account_client: FlaskClient, mailer: FakeMailer, form: dict[str, str], reason: str
) -> None:
    page = account_client.get("/signup").get_data(as_text=True)
    token = _CSRF.search(page).group(1)  # type: ignore[union-attr]
    answer = account_client.post("/signup", data={**form, "csrf_token": token})
    assert answer.status_code == 422
    assert reason in answer.get_data(as_text=True)
    assert mailer.sent == []


def test_sign_up_without_the_csrf_token_is_refused(
    account_client: FlaskClient, mailer: FakeMailer
) -> None:
    answer = account_client.post(
        "/signup",
        data={"name": "Ada", "email": "a@example.org", "password": "correct horse battery staple"},
    )
    assert answer.status_code == 400
    assert mailer.sent == []


def test_the_account_pages_need_a_login(account_client: FlaskClient) -> None:
    for path in ("/account", "/account/delete"):
        answer = account_client.get(path)
        assert answer.status_code == 302
        assert "/login" in answer.headers["Location"]


@pytest.mark.parametrize(
    ("outcome", "subject", "link"),
    [
        (
            Outcome.CREATED,
            "Verify your address",
            "https://data.example.org/signup/verify?token=T0KEN",
        ),
        (
            Outcome.UNVERIFIED,
            "Verify your address",
            "https://data.example.org/signup/verify?token=T0KEN",
        ),
        (
            Outcome.RESET,
            "Reset your password",
            "https://data.example.org/password-reset/confirm?token=T0KEN",
        ),
        (Outcome.EXISTS, "tried to sign up", "https://data.example.org/password-reset"),
        (Outcome.NO_ACCOUNT, "Password reset asked", "https://data.example.org/signup"),
        (
            Outcome.EMAIL_CHANGE,
            "Confirm your new address",
            "https://data.example.org/account/email/confirm?token=T0KEN",
        ),
        (Outcome.EMAIL_TAKEN, "move an account", "https://data.example.org/login"),
        (Outcome.EMAIL_CHANGED, "Your address changed", "https://data.example.org/password-reset"),
    ],
)
def test_mails_link_under_the_public_url(
    account_client: FlaskClient, outcome: Outcome, subject: str, link: str
) -> None:
    with_link = (Outcome.CREATED, Outcome.UNVERIFIED, Outcome.RESET, Outcome.EMAIL_CHANGE)
    token = "T0KEN" if outcome in with_link else None
    app = account_client.application
    with app.test_request_context("/signup", headers={"Host": "evil.example"}):
        mail = mails.compose(Mailing(outcome, "ada@example.org", "Ada", token))
    assert subject in mail.subject
    assert link in mail.text
    assert "evil.example" not in mail.text


def test_mails_are_written_in_the_pages_language(account_client: FlaskClient) -> None:
    app = account_client.application
    with app.test_request_context("/signup?lang=fr", headers={"Accept-Language": "fr"}):
        mail = mails.compose(Mailing(Outcome.CREATED, "ada@example.org", "Ada", "T0KEN"))
    assert mail.language == "fr"
    assert "Vérifiez" in mail.subject


def test_no_outcome_queues_no_mail(account_client: FlaskClient) -> None:
    # A refused mail is queued again, not raised: tests/unit/test_mail_outbox.py.
    with account_client.application.test_request_context("/signup"):
        assert mails.queue(None, None) is None  # type: ignore[arg-type]
        assert mails.deliver(None) is True


def test_request_states_have_labels() -> None:
    with create_app({"env": "test", "ratelimit_storage_url": "memory://"}).test_request_context(
        "/"
    ):
        assert (
            labels.request_status_label(RoleRequestStatus.PENDING) == "waiting for an administrator"
        )
        assert labels.role_label(Role.EVALUATOR) == "Evaluator"

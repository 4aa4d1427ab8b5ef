"""Self-service account pages: ``/signup`` (and its verification link), ``/password-reset``
(and its link), ``/account`` (profile, address change by a link mailed to the new
address, sessions, role requests) and ``/account/delete``.

Sign-up and reset requests show one answer whatever the address (see
:mod:`civic.services.identity.signup`), and are rate-limited per e-mail address asked
about and per client address (``[signup]``): a 429 says nothing about accounts either.
Mailed links open a page with a button: the state changes on the POST only, so a mail
client or scanner that fetches links changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.settings import Settings
from civic.platform.web import labels, mails
from civic.platform.web.service_errors import said
from civic.platform.web.session import (
    COOKIE,
    WebUser,
    check_csrf,
    current_user,
    log_out,
    login_required,
)
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.apps import registry
from civic.services.apps.models import AppStatus
from civic.services.identity import accounts, address, deletion, profile, signup
from civic.services.identity.errors import (
    InvalidAccount,
    LinkInvalid,
    LoginRefused,
    RoleRequestRefused,
)
from civic.services.identity.models import Role
from civic.services.identity.sessions import token_hash


def _asked_address() -> str:
    # The per-address limit counts the address as the account would store it, so
    # "A@x.org" and " a@x.org" share one counter.
    return "mail:" + request.form.get("email", "").strip().lower()[:320]


def _client_address() -> str:
    return "signup-addr:" + (request.remote_addr or "unknown")


def _policy() -> signup.LinkPolicy:
    settings = current_settings()
    return signup.LinkPolicy(settings.account_verify_ttl, settings.account_reset_ttl)


def _me() -> WebUser:
    me = current_user()
    if me is None:  # login_required ran first
        raise RuntimeError("no user logged in")
    return me


def _notice(title: str, message: str, status: int = 200) -> tuple[str, int]:
    return render_template("accounts/notice.html", title=title, message=message), status


def blueprint(settings: Settings, limiter: Limiter) -> Blueprint:  # noqa: PLR0915 - one page per route
    """The account pages; ``limiter`` limits the forms that mail someone."""
    bp = Blueprint("accounts", __name__)
    bp.app_context_processor(labels.context)
    per_mail = limiter.shared_limit(
        settings.signup_rate_limit,
        scope="account-mail",
        key_func=_asked_address,
        methods=["POST"],
    )
    per_client = limiter.shared_limit(
        settings.signup_address_rate_limit,
        scope="account-client",
        key_func=_client_address,
        methods=["POST"],
    )

    # Sign-up -------------------------------------------------------------------
    @bp.get("/signup")
    def signup_form() -> str | WerkzeugResponse:
        if not current_settings().signup_open:
            abort(404)
        if current_user() is not None:
            return redirect(url_for("accounts.account"))
        return render_template("accounts/signup.html", values={}, error=None)

    @bp.post("/signup")
    @per_client
    @per_mail
    def signup_submit() -> tuple[str, int]:
        if not current_settings().signup_open:
            abort(404)
        check_csrf()
        values = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
        with current_bootstrap().unit_of_work() as uow:
            try:
                mailing = signup.sign_up(
                    uow,
                    email=values["email"],
                    name=values["name"],
                    password=request.form.get("password", ""),
                    policy=_policy(),
                )
            except InvalidAccount as error:
                page = render_template("accounts/signup.html", values=values, error=said(error))
                return page, 422
            queued = mails.queue(uow, mailing)
            uow.commit()
        mails.deliver(queued)
        return _notice(
            _("Check your inbox"),
            _(
                "We have sent a mail to %(email)s. Open the link it holds to finish creating "
                "your account; then log in.",
                email=mailing.email,
            ),
        )

    @bp.get("/signup/verify")
    def verify_form() -> str:
        return render_template("accounts/verify.html", token=request.args.get("token", ""))

    @bp.post("/signup/verify")
    def verify_submit() -> tuple[str, int] | WerkzeugResponse:
        check_csrf()
        with current_bootstrap().unit_of_work() as uow:
            try:
                signup.verify_address(uow, request.form.get("token", ""))
            except LinkInvalid:
                return _notice(
                    _("This link does not work"),
                    _("It was used, replaced by a newer one or expired. Ask for a new one."),
                    400,
                )
            uow.commit()
        return _notice(_("Your address is verified"), _("You can now log in."))

    @bp.get("/signup/resend")
    def resend_form() -> str:
        return render_template("accounts/resend.html")

    @bp.post("/signup/resend")
    @per_client
    @per_mail
    def resend_submit() -> tuple[str, int]:
        check_csrf()
        with current_bootstrap().unit_of_work() as uow:
            mailing = signup.resend_verification(
                uow, request.form.get("email", ""), policy=_policy()
            )
            queued = mails.queue(uow, mailing)
            uow.commit()
        mails.deliver(queued)
        return _notice(
            _("Check your inbox"),
            _("If this address has an account waiting for verification, a new link is on its way."),
        )

    # Password reset --------------------------------------------------------------
    @bp.get("/password-reset")
    def reset_form() -> str:
        return render_template("accounts/reset_request.html")

    @bp.post("/password-reset")
    @per_client
    @per_mail
    def reset_submit() -> tuple[str, int]:
        check_csrf()
        with current_bootstrap().unit_of_work() as uow:
            mailing = signup.request_reset(uow, request.form.get("email", ""), policy=_policy())
            queued = mails.queue(uow, mailing)
            uow.commit()
        mails.deliver(queued)
        return _notice(
            _("Check your inbox"),
            _(
                "We have sent a mail to this address: a link to choose a new password if it "
                "has an account. The link works for one hour."
            ),
        )

    @bp.get("/password-reset/confirm")
    def reset_confirm_form() -> tuple[str, int]:
        token = request.args.get("token", "")
        with current_bootstrap().unit_of_work() as uow:
            try:
                user = signup.check_reset_link(uow, token)
            except LinkInvalid:
                return _notice(
                    _("This link does not work"),
                    _("It was used, replaced by a newer one or expired. Ask for a new one."),
                    400,
                )
            email = user.email
        return render_template("accounts/reset_confirm.html", token=token, email=email), 200

    @bp.post("/password-reset/confirm")
    def reset_confirm_submit() -> tuple[str, int]:
        check_csrf()
        token = request.form.get("token", "")
        with current_bootstrap().unit_of_work() as uow:
            try:
                user = signup.reset_password(uow, token, request.form.get("password", ""))
            except LinkInvalid:
                return _notice(
                    _("This link does not work"),
                    _("It was used, replaced by a newer one or expired. Ask for a new one."),
                    400,
                )
            except InvalidAccount as error:
                email = signup.check_reset_link(uow, token).email
                page = render_template(
                    "accounts/reset_confirm.html", token=token, email=email, error=said(error)
                )
                return page, 422
            uow.commit()
        del user
        log_out()  # whoever was logged in here, the account's sessions all ended
        return _notice(_("Your password is changed"), _("Log in with your new password."))

    # The account page -----------------------------------------------------------
    def account_page(status: int = 200, **extra: Any) -> tuple[str, int]:
        me = _me()
        opened = request.cookies.get(COOKIE)
        with current_bootstrap().unit_of_work() as uow:
            user = accounts.get_user(uow, me.id)
            context = {
                "user": user,
                "sessions": profile.sessions_of(
                    uow, me.id, current_hash=token_hash(opened) if opened else None
                ),
                "requests": profile.role_requests_of(uow, me.id),
                "requestable": [role for role in profile.REQUESTABLE_ROLES if role != user.role],
                "organizations": [org.title or org.name for org in user.organizations],
                "cut_apps": [
                    app
                    for app in registry.apps_of(uow, me.id)
                    if app.status is not AppStatus.ACTIVE
                ],
            }
            page = render_template("accounts/account.html", **context, **extra)
        return page, status

    @bp.get("/account")
    @login_required
    def account() -> tuple[str, int]:
        return account_page()

    @bp.post("/account/profile")
    @login_required
    def profile_submit() -> tuple[str, int] | WerkzeugResponse:
        check_csrf()
        with current_bootstrap().unit_of_work() as uow:
            try:
                profile.rename(uow, accounts.get_user(uow, _me().id), request.form.get("name", ""))
            except InvalidAccount as error:
                uow.rollback()
                return account_page(422, profile_error=said(error))
            uow.commit()
        return redirect(url_for("accounts.account"))

    @bp.post("/account/sessions/end")
    @login_required
    def end_session() -> WerkzeugResponse:
        check_csrf()
        with current_bootstrap().unit_of_work() as uow:
            profile.end_session(uow, _me().id, request.form.get("session", ""))
            uow.commit()
        # Ending this browser's own session logs it out: the next page says so.
        return redirect(url_for("accounts.account"))

    @bp.post("/account/role-request")
    @login_required
    def role_request() -> tuple[str, int] | WerkzeugResponse:
        check_csrf()
        wanted = request.form.get("role", "")
        with current_bootstrap().unit_of_work() as uow:
            try:
                role = Role(wanted)
                profile.request_role(
                    uow,
                    accounts.get_user(uow, _me().id),
                    role,
                    organization_name=request.form.get("organization_name", ""),
                    message=request.form.get("message", ""),
                )
            except ValueError:
                uow.rollback()
                return account_page(422, request_error=_("Choose a role from the list."))
            except RoleRequestRefused as error:
                uow.rollback()
                return account_page(422, request_error=said(error))
            uow.commit()
        return redirect(url_for("accounts.account"))

    # Changing one's address ------------------------------------------------------
    def email_page(status: int = 200, error: object = None, value: str = "") -> tuple[str, int]:
        page = render_template(
            "accounts/email.html", email=_me().email, error=error, value=value[:320]
        )
        return page, status

    @bp.get("/account/email")
    @login_required
    def email_form() -> tuple[str, int]:
        return email_page()

    @bp.post("/account/email")
    @login_required
    @per_client
    def email_submit() -> tuple[str, int]:
        check_csrf()
        wanted = request.form.get("email", "")
        with current_bootstrap().unit_of_work() as uow:
            try:
                mailing = address.request_change(
                    uow,
                    accounts.get_user(uow, _me().id),
                    wanted,
                    request.form.get("password", ""),
                    policy=_policy(),
                )
            except LoginRefused as error:
                uow.rollback()
                return email_page(401, said(error), wanted)
            except InvalidAccount as error:
                uow.rollback()
                return email_page(422, said(error), wanted)
            queued = mails.queue(uow, mailing)
            uow.commit()
        mails.deliver(queued)
        return _notice(
            _("Check the new inbox"),
            _(
                "We have sent a mail to %(email)s. Your account moves to this address when "
                "you open the link it holds; until then it keeps its present address.",
                email=mailing.email,
            ),
        )

    @bp.get("/account/email/confirm")
    def email_confirm_form() -> str:
        return render_template("accounts/email_confirm.html", token=request.args.get("token", ""))

    @bp.post("/account/email/confirm")
    def email_confirm_submit() -> tuple[str, int]:
        check_csrf()
        with current_bootstrap().unit_of_work() as uow:
            try:
                notice = address.confirm_change(uow, request.form.get("token", ""))
            except LinkInvalid:
                return _notice(
                    _("This link does not work"),
                    _("It was used, replaced by a newer one or expired. Ask for a new one."),
                    400,
                )
            queued = mails.queue(uow, notice)
            uow.commit()
        mails.deliver(queued)
        return _notice(
            _("Your address is changed"),
            _(
                "Your account now uses %(email)s. Your old address was told.",
                email=notice.new_email,
            ),
        )

    @bp.get("/account/delete")
    @login_required
    def delete_form() -> str:
        with current_bootstrap().unit_of_work() as uow:
            kept = deletion.summary(uow, accounts.get_user(uow, _me().id))
        return render_template("accounts/delete.html", kept=kept, error=None)

    @bp.post("/account/delete")
    @login_required
    def delete_submit() -> tuple[str, int]:
        check_csrf()
        with current_bootstrap().unit_of_work() as uow:
            user = accounts.get_user(uow, _me().id)
            try:
                deletion.delete_account(uow, user, request.form.get("password", ""))
            except LoginRefused as error:
                kept = deletion.summary(uow, user)
                uow.rollback()
                return render_template("accounts/delete.html", kept=kept, error=said(error)), 401
            uow.commit()
        log_out()
        return _notice(
            _("Your account is deleted"),
            _("Your personal data is erased. Thank you for having used the platform."),
        )

    return bp

"""Getting into an account without being logged in: ``/signup`` (and its verification
link, and a new link), ``/password-reset`` (and its link).

Sign-up and reset requests show one answer whatever the address (see
:mod:`civic.services.identity.signup`); the forms that mail someone are limited per
e-mail address asked about (``per_mail``) and per client address (``per_client``).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import RouteLimit
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.web import mails
from civic.platform.web.accounts.links import dead_link, link_policy, notice
from civic.platform.web.service_errors import said
from civic.platform.web.session import check_csrf, current_user, log_out
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.identity import signup
from civic.services.identity.errors import InvalidAccount, LinkInvalid


def routes(bp: Blueprint, *, per_mail: RouteLimit, per_client: RouteLimit) -> None:  # noqa: PLR0915 - one page per route
    """Adds the sign-up and password-reset pages to the accounts blueprint."""

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
                    policy=link_policy(),
                )
            except InvalidAccount as error:
                page = render_template("accounts/signup.html", values=values, error=said(error))
                return page, 422
            queued = mails.queue(uow, mailing)
            uow.commit()
        mails.deliver(queued)
        return notice(
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
                return dead_link()
            uow.commit()
        return notice(_("Your address is verified"), _("You can now log in."))

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
                uow, request.form.get("email", ""), policy=link_policy()
            )
            queued = mails.queue(uow, mailing)
            uow.commit()
        mails.deliver(queued)
        return notice(
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
            mailing = signup.request_reset(uow, request.form.get("email", ""), policy=link_policy())
            queued = mails.queue(uow, mailing)
            uow.commit()
        mails.deliver(queued)
        return notice(
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
                return dead_link()
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
                return dead_link()
            except InvalidAccount as error:
                email = signup.check_reset_link(uow, token).email
                page = render_template(
                    "accounts/reset_confirm.html", token=token, email=email, error=said(error)
                )
                return page, 422
            uow.commit()
        del user
        log_out()  # whoever was logged in here, the account's sessions all ended
        return notice(_("Your password is changed"), _("Log in with your new password."))

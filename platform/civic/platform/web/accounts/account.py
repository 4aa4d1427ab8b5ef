"""The logged-in person's own account: ``/account`` (profile, sessions, role
requests), the address change (a link mailed to the new address, ``/account/email``)
and ``/account/delete``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import RouteLimit
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.web import mails
from civic.platform.web.accounts.links import dead_link, link_policy, notice
from civic.platform.web.service_errors import said
from civic.platform.web.session import (
    COOKIE,
    WebUser,
    check_csrf,
    current_user,
    log_out,
    login_required,
)
from civic.platform.wiring import current_bootstrap
from civic.services.apps import registry
from civic.services.apps.models import AppStatus
from civic.services.identity import accounts, address, deletion, profile
from civic.services.identity.errors import (
    InvalidAccount,
    LinkInvalid,
    LoginRefused,
    RoleRequestRefused,
)
from civic.services.identity.models import Role
from civic.services.identity.sessions import token_hash


def _me() -> WebUser:
    me = current_user()
    if me is None:  # login_required ran first
        raise RuntimeError("no user logged in")
    return me


def routes(bp: Blueprint, *, per_client: RouteLimit) -> None:  # noqa: PLR0915 - one page per route
    """Adds the account's own pages to the accounts blueprint."""

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
                    policy=link_policy(),
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
        return notice(
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
                changed = address.confirm_change(uow, request.form.get("token", ""))
            except LinkInvalid:
                return dead_link()
            queued = mails.queue(uow, changed)
            uow.commit()
        mails.deliver(queued)
        return notice(
            _("Your address is changed"),
            _(
                "Your account now uses %(email)s. Your old address was told.",
                email=changed.new_email,
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
        return notice(
            _("Your account is deleted"),
            _("Your personal data is erased. Thank you for having used the platform."),
        )

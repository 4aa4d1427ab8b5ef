"""``/login``, ``/logout`` and ``/account/password``."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.site.navigation import landing
from civic.platform.web.session import (
    WebUser,
    check_csrf,
    current_user,
    log_in,
    log_out,
    login_required,
    safe_next,
)
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.identity import accounts
from civic.services.identity.errors import AddressUnverified, InvalidAccount, LoginRefused


def _asked_next(target: str | None) -> str:
    """The page to go back to after logging in; "" when none was asked for (the home
    page counts as none): the person then lands by role (:func:`landing`)."""
    found = safe_next(target, "")
    return "" if found in {"/", "/?"} else found


def blueprint() -> Blueprint:
    """The login, logout and password pages."""
    bp = Blueprint("auth", __name__)

    @bp.get("/login")
    def login() -> str | WerkzeugResponse:
        target = _asked_next(request.args.get("next"))
        user = current_user()
        if user is not None:
            return redirect(target or landing(user))
        return render_template("web/login.html", next=target, email="")

    @bp.post("/login")
    def login_submit() -> tuple[str, int] | WerkzeugResponse:
        check_csrf()
        email = request.form.get("email", "")
        target = _asked_next(request.form.get("next"))
        settings = current_settings()
        policy = accounts.LockoutPolicy(settings.login_max_failures, settings.login_lockout)
        with current_bootstrap().unit_of_work() as uow:
            try:
                user = WebUser.of(
                    accounts.authenticate(
                        uow, email, request.form.get("password", ""), policy=policy
                    )
                )
            except LoginRefused as error:
                uow.commit()  # the failure count, and a lockout, must last
                page = render_template(
                    "web/login.html",
                    next=target,
                    email=email,
                    error=error,
                    unverified=isinstance(error, AddressUnverified),
                )
                return page, 401
            log_in(uow, user)
            uow.commit()
        return redirect(target or landing(user))

    @bp.post("/logout")
    def logout() -> WerkzeugResponse:
        check_csrf()
        log_out()
        return redirect(url_for("auth.login"))

    @bp.get("/account/password")
    @login_required
    def password() -> str:
        return render_template("web/password.html")

    @bp.post("/account/password")
    @login_required
    def password_submit() -> tuple[str, int] | WerkzeugResponse:
        check_csrf()
        me = current_user()
        if me is None:  # login_required ran first
            raise RuntimeError("no user logged in")
        with current_bootstrap().unit_of_work() as uow:
            try:
                accounts.change_password(
                    uow,
                    accounts.get_user(uow, me.id),
                    request.form.get("current_password", ""),
                    request.form.get("new_password", ""),
                )
            except (LoginRefused, InvalidAccount) as error:
                status = 401 if isinstance(error, LoginRefused) else 422
                return render_template("web/password.html", error=error), status
            # Every session of the account ended; this browser goes on with a new one.
            log_in(uow, me)
            uow.commit()
        return redirect(url_for("portal.index"))

    return bp

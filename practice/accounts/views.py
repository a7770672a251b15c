"""Sign up, log in, log out, reset a forgotten password, practice profile and settings."""
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from practice.accounts import service
from practice.accounts.forms import LoginForm, NewPasswordForm, PasswordResetRequestForm, ProfileForm, SignupForm
from practice.extensions import limiter, login_manager
from practice.security.token_links import keep_link_private

bp = Blueprint("accounts", __name__)

BAD_LOGIN = "That email and password don't match. Please try again."

login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_practitioner(user_id: str):
    return service.practitioner_by_id(int(user_id)) if user_id.isdigit() else None


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, so `next` cannot send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 32 for character in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _profile_from(form) -> service.PracticeProfile:
    return service.PracticeProfile(
        name=form.name.data,
        practice_name=form.practice_name.data,
        slug=form.slug.data,
        timezone=form.timezone.data,
        bio=form.bio.data if "bio" in form else "",
        contact_email=form.contact_email.data if "contact_email" in form else "",
    )


def _settings_from(form) -> service.PracticeSettings:
    return service.PracticeSettings(
        reminder_hours=form.reminder_hours.data,
        cancellation_window_hours=form.cancellation_window_hours.data,
        show_service_in_emails=form.show_service_in_emails.data,
        accent_colour=form.accent_colour.data,
    )


def _show_errors(form, field_errors: dict[str, str]) -> None:
    for name, message in field_errors.items():
        form[name].errors = [message]


@bp.route("/signup", methods=["GET", "POST"])
# Each sign-up hashes a password with scrypt: limited like logins, so it cannot be used to load the server.
@limiter.limit(_login_rate_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = SignupForm()
    if not form.validate_on_submit():
        return render_template("accounts/signup.html", form=form), 422 if form.is_submitted() else 200
    try:
        practitioner = service.sign_up(
            email=form.email.data,
            password=form.password.data,
            profile=_profile_from(form),
            now=datetime.now(timezone.utc),
        )
    except service.AccountError as refused:
        _show_errors(form, refused.field_errors)
        return render_template("accounts/signup.html", form=form), 422
    login_user(practitioner)
    flash("Welcome to Tend. Next, add a service and set the hours you're available.", "success")
    return redirect(url_for("admin.dashboard"), code=303)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    destination = _local_path(form.next.data) or url_for("admin.dashboard")
    if current_user.is_authenticated:
        return redirect(destination)
    if not form.validate_on_submit():
        if form.is_submitted():
            return render_template("accounts/login.html", form=form, message=BAD_LOGIN), 401
        return render_template("accounts/login.html", form=form)
    practitioner = service.authenticate(form.email.data, form.password.data)
    if practitioner is None:
        return render_template("accounts/login.html", form=form, message=BAD_LOGIN), 401
    login_user(practitioner)
    return redirect(destination, code=303)


@bp.post("/logout")
def logout():
    logout_user()
    flash("You're logged out.", "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def forgot_password():
    form = PasswordResetRequestForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot_password.html", form=form), 422 if form.is_submitted() else 200
    service.request_password_reset(
        form.email.data, secret_key=current_app.config["SECRET_KEY"], now=datetime.now(timezone.utc)
    )
    return redirect(url_for("accounts.reset_link_sent"), code=303)


@bp.get("/forgot-password/sent")
def reset_link_sent():
    return render_template("accounts/reset_link_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
# Each reset hashes a password with scrypt: limited like logins.
@limiter.limit(_login_rate_limit, methods=["POST"])
def reset_password(token: str):
    form = NewPasswordForm()
    secret_key, now = current_app.config["SECRET_KEY"], datetime.now(timezone.utc)
    if service.practitioner_for_reset_token(token, secret_key, now=now) is None:
        return _private(render_template("accounts/reset_link_invalid.html"), 400)
    if not form.validate_on_submit():
        return _private(render_template("accounts/reset_password.html", form=form, token=token), 422 if form.is_submitted() else 200)
    try:
        service.reset_password(token, form.password.data, secret_key=secret_key, now=now)
    except service.InvalidResetLink:
        return _private(render_template("accounts/reset_link_invalid.html"), 400)
    except service.AccountError as refused:
        _show_errors(form, refused.field_errors)
        return _private(render_template("accounts/reset_password.html", form=form, token=token), 422)
    flash("Your new password is set. Please log in with it.", "success")
    return redirect(url_for("accounts.login"), code=303)


def _private(body: str, status: int):
    """A page whose URL holds a reset token: kept out of caches and out of Referer headers."""
    return keep_link_private(make_response(body, status))


@bp.route("/admin/profile", methods=["GET", "POST"])
@login_required
def profile():
    practitioner = current_user._get_current_object()
    form = ProfileForm(obj=practitioner)
    if not form.validate_on_submit():
        return render_template("accounts/profile.html", form=form), 422 if form.is_submitted() else 200
    try:
        service.update_profile(practitioner, _profile_from(form), _settings_from(form))
    except service.AccountError as refused:
        _show_errors(form, refused.field_errors)
        return render_template("accounts/profile.html", form=form), 422
    flash("Your profile is saved.", "success")
    return redirect(url_for("accounts.profile"), code=303)

"""Set up a practice, log in and out, reset a forgotten password, accept an invitation; profile, practice settings, team."""
import logging
from datetime import datetime, timezone

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from practice import worker
from practice.accounts import invitations, practice_settings, service
from practice.accounts.forms import (
    AcceptInvitationForm,
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    PracticeSettingsForm,
    ProfileForm,
    SignupForm,
)
from practice.accounts.models import Invitation
from practice.extensions import limiter, login_manager
from practice.security.authz import found_or_404, require_owner
from practice.security.local_paths import local_path
from practice.security.private_pages import current_actor, make_private
from practice.security.token_links import keep_link_private

log = logging.getLogger(__name__)
bp = Blueprint("accounts", __name__)
#: The owner's pages about the practice as a whole.
practice_bp = make_private(Blueprint("practice_admin", __name__, url_prefix="/admin"))

BAD_LOGIN = "That email and password don't match. Please try again."

login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_practitioner(session_id: str):
    """The practitioner whose session this is, unless they have logged out or reset their password since."""
    practitioner_id, _, version = session_id.partition(":")
    if not (practitioner_id.isascii() and practitioner_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    practitioner = service.practitioner_by_id(int(practitioner_id))
    if practitioner is None or practitioner.session_version != int(version):
        return None
    return practitioner


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _person_from(form, slug: str = "") -> service.PersonProfile:
    return service.PersonProfile(
        name=form.name.data or "",
        profession=form.profession.data or "",
        bio=(form.bio.data or "") if "bio" in form else "",
        slug=slug,
    )


def _show_errors(form, field_errors: dict[str, str]) -> None:
    for name, message in field_errors.items():
        if name in form:
            form[name].errors = [message]


@bp.route("/signup", methods=["GET", "POST"])
# Each sign-up hashes a password with scrypt: limited like logins, so it cannot be used to load the server.
@limiter.limit(_login_rate_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    if not service.signup_open(allow_signup=current_app.config["ALLOW_SIGNUP"]):
        return render_template("accounts/signup_closed.html"), 403
    form = SignupForm()
    if not form.validate_on_submit():
        return render_template("accounts/signup.html", form=form), 422 if form.is_submitted() else 200
    try:
        practitioner = service.create_practice(
            email=form.email.data,
            password=form.password.data,
            person=_person_from(form),
            practice=service.NewPractice(
                name=form.practice_name.data, slug=form.practice_slug.data, timezone=form.timezone.data
            ),
            actor=current_actor(),
            now=_now(),
            allow_signup=current_app.config["ALLOW_SIGNUP"],
        )
    except service.SignupClosed:
        return render_template("accounts/signup_closed.html"), 403
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
    destination = local_path(form.next.data) or url_for("admin.dashboard")
    if current_user.is_authenticated:
        return redirect(destination)
    if not form.validate_on_submit():
        return _render_login(form, 401) if form.is_submitted() else _render_login(form, 200)
    practitioner = service.authenticate(
        form.email.data, form.password.data, ip_address=request.remote_addr or "", now=_now()
    )
    if practitioner is None:
        return _render_login(form, 401)
    login_user(practitioner)
    return redirect(destination, code=303)


def _render_login(form, status: int):
    return render_template(
        "accounts/login.html",
        form=form,
        message=BAD_LOGIN if status == 401 else None,
        signup_open=service.signup_open(allow_signup=current_app.config["ALLOW_SIGNUP"]),
    ), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        service.sign_out(current_user.id, actor=current_actor(), now=_now())
    logout_user()
    flash("You're logged out, on this device and every other.", "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def forgot_password():
    form = PasswordResetRequestForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot_password.html", form=form), 422 if form.is_submitted() else 200
    _queue_password_reset(form.email.data)
    return redirect(url_for("accounts.reset_link_sent"), code=303)


def _queue_password_reset(email: str) -> None:
    # Only queued: looking the address up here would answer sooner for addresses with no account.
    try:
        worker.password_reset_requested(email)
    except Exception as error:
        # With the queue down, the person still gets their link: timing matters less than that.
        log.warning("password reset not queued (%s); owed in the request instead", type(error).__name__)
        service.request_password_reset(email, secret_key=current_app.config["SECRET_KEY"], now=_now())


@bp.get("/forgot-password/sent")
def reset_link_sent():
    return render_template("accounts/reset_link_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
# Each reset hashes a password with scrypt: limited like logins.
@limiter.limit(_login_rate_limit, methods=["POST"])
def reset_password(token: str):
    form = NewPasswordForm()
    secret_key, now = current_app.config["SECRET_KEY"], _now()
    if service.practitioner_for_reset_token(token, secret_key, now=now) is None:
        return _private(render_template("accounts/reset_link_invalid.html"), 400)
    if not form.validate_on_submit():
        return _private(render_template("accounts/reset_password.html", form=form, token=token), 422 if form.is_submitted() else 200)
    try:
        service.reset_password(
            token, form.password.data, secret_key=secret_key, ip_address=request.remote_addr or "", now=now
        )
    except service.InvalidResetLink:
        return _private(render_template("accounts/reset_link_invalid.html"), 400)
    except service.AccountError as refused:
        _show_errors(form, refused.field_errors)
        return _private(render_template("accounts/reset_password.html", form=form, token=token), 422)
    logout_user()
    flash("Your new password is set, and every device that was logged in is logged out. Please log in with it.", "success")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def accept_invitation(token: str):
    secret_key, now = current_app.config["SECRET_KEY"], _now()
    invitation = invitations.open_invitation_for(token, secret_key, now=now)
    if invitation is None:
        return _private(render_template("accounts/invitation_invalid.html"), 400)
    form = AcceptInvitationForm()
    if not form.validate_on_submit():
        page = render_template("accounts/accept_invitation.html", form=form, invitation=invitation, token=token)
        return _private(page, 422 if form.is_submitted() else 200)
    try:
        practitioner = invitations.accept(
            token, person=_person_from(form), password=form.password.data, secret_key=secret_key,
            ip_address=request.remote_addr or "", now=now,
        )
    except invitations.InvalidInvitation:
        return _private(render_template("accounts/invitation_invalid.html"), 400)
    except service.AccountError as refused:
        _show_errors(form, refused.field_errors)
        page = render_template("accounts/accept_invitation.html", form=form, invitation=invitation, token=token)
        return _private(page, 422)
    logout_user()
    login_user(practitioner)
    flash(f"Welcome to {practitioner.practice.name}. Next, add a service and set the hours you're available.", "success")
    return redirect(url_for("admin.dashboard"), code=303)


def _private(body: str, status: int):
    """A page whose URL holds a token: kept out of caches and out of Referer headers."""
    return keep_link_private(make_response(body, status))


@bp.route("/admin/profile", methods=["GET", "POST"])
@login_required
def profile():
    practitioner = current_user._get_current_object()
    form = ProfileForm(obj=practitioner)
    if not form.validate_on_submit():
        return render_template("accounts/profile.html", form=form), 422 if form.is_submitted() else 200
    try:
        service.update_profile(practitioner, _person_from(form, form.slug.data), actor=current_actor(), now=_now())
    except service.AccountError as refused:
        _show_errors(form, refused.field_errors)
        return render_template("accounts/profile.html", form=form), 422
    flash("Your profile is saved.", "success")
    return redirect(url_for("accounts.profile"), code=303)


@practice_bp.route("/practice", methods=["GET", "POST"])
def practice_settings_page():
    actor = current_actor()
    require_owner(actor)
    practice = current_user.practice
    form = PracticeSettingsForm(obj=practice_settings.settings_of(practice))
    if not form.validate_on_submit():
        return render_template("accounts/practice.html", form=form), 422 if form.is_submitted() else 200
    try:
        practice_settings.update_settings(practice.id, _settings_from(form), actor=actor, now=_now())
    except service.AccountError as refused:
        _show_errors(form, refused.field_errors)
        return render_template("accounts/practice.html", form=form), 422
    flash("The practice's settings are saved.", "success")
    return redirect(url_for("practice_admin.practice_settings_page"), code=303)


def _settings_from(form) -> practice_settings.PracticeSettings:
    return practice_settings.PracticeSettings(
        name=form.name.data or "",
        slug=form.slug.data or "",
        timezone=form.timezone.data or "",
        contact_email=form.contact_email.data or "",
        address=form.address.data or "",
        accent_colour=form.accent_colour.data or "",
        min_notice_minutes=form.min_notice_minutes.data,
        max_advance_days=form.max_advance_days.data,
        cancellation_window_hours=form.cancellation_window_hours.data,
        reminder_hours=form.reminder_hours.data,
        discreet_emails=form.discreet_emails.data,
        crisis_resources=form.crisis_resources.data or "",
        retention_years=form.retention_years.data,
        currency=form.currency.data or "",
        full_refund_hours=form.full_refund_hours.data,
        late_cancel_keep_percent=form.late_cancel_keep_percent.data,
        cancel_grace_minutes=form.cancel_grace_minutes.data,
        exact_group_places=form.exact_group_places.data,
        max_active_bookings_per_email=form.max_active_bookings_per_email.data,
        confirm_new_client_email=form.confirm_new_client_email.data,
    )


@practice_bp.get("/team")
def team():
    actor = current_actor()
    require_owner(actor)
    return _render_team(InvitationForm(formdata=None))


def _render_team(form: InvitationForm, status: int = 200):
    practice_id = current_user.practice_id
    return render_template(
        "accounts/team.html",
        members=invitations.members(practice_id),
        invitations=invitations.open_invitations(practice_id, _now()),
        form=form,
    ), status


@practice_bp.post("/team/invitations")
def invite():
    actor = current_actor()
    require_owner(actor)
    form = InvitationForm()
    if not form.validate():
        return _render_team(form, 422)
    try:
        invitations.invite(
            actor.practice_id, form.email.data, actor=actor, secret_key=current_app.config["SECRET_KEY"], now=_now()
        )
    except service.AccountError as refused:
        _show_errors(form, refused.field_errors)
        return _render_team(form, 422)
    flash(f"We're emailing an invitation to {form.email.data}. The link works once, for 7 days.", "success")
    return redirect(url_for("practice_admin.team"), code=303)


@practice_bp.post("/team/invitations/<int:invitation_id>/withdraw")
def withdraw_invitation(invitation_id: int):
    actor = current_actor()
    invitation = found_or_404(Invitation, invitation_id, actor)
    if invitations.revoke(invitation, actor=actor, now=_now()):
        flash("The invitation is withdrawn: its link no longer works.", "success")
    else:
        flash("That invitation was no longer open, so nothing changed.", "info")
    return redirect(url_for("practice_admin.team"), code=303)


def register_blueprints(app) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(practice_bp)

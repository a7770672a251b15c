"""Tend: bookings and intake for massage therapists and grief counselors."""
import logging
import os

from flask import Flask

from practice import (
    i18n,
    models,  # noqa: F401  (registers every table with the metadata)
    money,
    timeformats,
)
from practice.config import default_instance_path, settings_from_environment
from practice.extensions import csrf, db, limiter, login_manager, mail, migrate
from practice.security import headers, input_checks, redact_tokens, sealing
from practice.security.file_modes import keep_new_files_private
from practice.security.proxies import trust_proxies


def create_app(test_config: dict | None = None) -> Flask:
    # Before anything is created: the database, the queue and the mail files hold clients' details.
    keep_new_files_private()
    app = Flask(
        __name__,
        instance_relative_config=True,
        # Stated, not discovered: the worker's queue file is found by the same rule.
        instance_path=default_instance_path(),
        template_folder="../templates",
        static_folder="../static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    # A known key would let anyone forge a practitioner's session cookie: there is no default.
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("Set SECRET_KEY, or run `make run`, which keeps one in instance/secret_key.")

    sealing.install(app)
    trust_proxies(app)
    # First, so that no other check, nor a write transaction, starts on input we refuse.
    input_checks.install(app)
    headers.install(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    app.jinja_env.filters.update(timeformats.FILTERS)
    app.jinja_env.filters.update(money.FILTERS)
    i18n.init_app(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_after_commit_queueing(app)
    logging.getLogger("practice").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # The dev server's access log would otherwise write every manage and reset link in full.
    redact_tokens.install(logging.getLogger("werkzeug"))
    return app


def _register_blueprints(app: Flask) -> None:
    from practice import errors, health
    from practice.accounts import views as accounts
    from practice.admin import views as admin
    from practice.api import views as api
    from practice.booking import confirmation, details_views, recovery
    from practice.booking import views as booking
    from practice.catalog import views as catalog
    from practice.intake import builder_views, reading_views
    from practice.intake import views as intake
    from practice.notifications import views as notifications
    from practice.payments import admin_views as payments_admin
    from practice.payments import views as payments
    from practice.privacy import views as privacy
    from practice.scheduling import views as scheduling
    from practice.security import views as security

    errors.register(app)
    accounts.register_blueprints(app)
    app.register_blueprint(security.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(scheduling.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(details_views.bp)
    app.register_blueprint(confirmation.bp)
    app.register_blueprint(recovery.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(intake.bp)
    app.register_blueprint(builder_views.bp)
    app.register_blueprint(reading_views.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(privacy.admin_bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(payments_admin.bp)
    app.register_blueprint(i18n.bp)
    app.register_blueprint(health.bp)


def _register_cli(app: Flask) -> None:
    from practice import cli

    cli.register(app)


def _register_after_commit_queueing(app: Flask) -> None:
    from practice import after_commit, worker

    # Imported for their subscriptions: the emails and refunds each booking change owes.
    from practice.notifications import lost_link, service  # noqa: F401
    from practice.notifications.models import OutboxMessage, made_pending_again
    from practice.payments import service as payments  # noqa: F401
    from practice.payments.models import Refund

    after_commit.install(
        app,
        {
            OutboxMessage: after_commit.Watch(worker.send_outbox_message, due_again=made_pending_again),
            Refund: after_commit.Watch(worker.issue_refund),
        },
    )

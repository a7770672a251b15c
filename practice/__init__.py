"""Tend: bookings and intake for massage therapists and grief counselors."""
import logging
import os

from flask import Flask

from practice.config import default_instance_path, settings_from_environment
from practice import models  # noqa: F401  (registers every table with the metadata)
from practice import money, timeformats
from practice.extensions import csrf, db, limiter, login_manager, mail, migrate


def create_app(test_config: dict | None = None) -> Flask:
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

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    app.jinja_env.filters.update(timeformats.FILTERS)
    app.jinja_env.filters.update(money.FILTERS)
    _register_blueprints(app)
    _register_cli(app)
    _register_outbox_enqueue(app)
    logging.getLogger("practice").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    return app


def _register_blueprints(app: Flask) -> None:
    from practice import errors
    from practice.accounts import views as accounts
    from practice.admin import views as admin
    from practice.api import views as api
    from practice.booking import views as booking
    from practice.catalog import views as catalog
    from practice.notifications import views as notifications
    from practice.scheduling import views as scheduling

    errors.register(app)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(scheduling.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(notifications.bp)


def _register_cli(app: Flask) -> None:
    from practice import cli

    cli.register(app)


def _register_outbox_enqueue(app: Flask) -> None:
    from practice import worker
    from practice.notifications import enqueue

    enqueue.install(app, worker.send_outbox_message)

"""The application factory, as named steps."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config as config_module
from .extensions import csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    instance = Path(app.instance_path)
    app.config.from_mapping(config_module.from_environment(instance))
    if test_config:
        app.config.update(test_config)
        if "SQLALCHEMY_DATABASE_URI" in test_config:
            app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
                test_config["SQLALCHEMY_DATABASE_URI"]
            )
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_observability(app)
    register_commands(app)
    return app


def engine_options(url: str) -> dict:
    """Pool settings per backend. SQLite waits for the writer instead of failing at once."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL (readers never block the writer), enforced foreign keys and a busy timeout on SQLite."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "connect")
def _postgresql_settings(dbapi_connection, connection_record) -> None:
    """PostgreSQL's JIT compiles a query whose estimated cost is high: the city-wide GROUP BYs of the scoring jobs
    spent longer compiling than they saved (the city's dossier figures: 3,2–3,9 s with JIT, 2,9–3,7 s without,
    measured alternately in one session); short requests never reach the threshold, so it is off throughout. Set
    per connection, so a URL's own ``options`` (a schema's search path) stay as they are."""
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (registers the tables on the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    from .auth.session import load_user
    from .auth.session import register as register_session_headers

    login_manager.user_loader(load_user)
    register_session_headers(app)


def register_blueprints(app: Flask) -> None:
    from .edge import BoundedInt

    app.url_map.converters["int"] = BoundedInt  # before any route is added: ids beyond the database's range 404
    from kiosk.views import bp as kiosk_bp
    from kiosk.views_staff import bp as kiosk_staff_bp

    from .admin.onboarding import bp as onboarding_bp
    from .admin.views import bp as admin_bp
    from .alerts.views import bp as alerts_bp
    from .appraisal.views import bp as appraisal_bp
    from .auth.views import bp as auth_bp
    from .channels.views_settings import bp as channels_bp
    from .channels.views_webhooks import bp as webhooks_bp
    from .dashboard.views import bp as dashboard_bp
    from .dashboard.views_public import bp as transparency_bp
    from .dossiers.views import bp as dossiers_bp
    from .inbox.views_public import bp as feedback_bp
    from .inbox.views_similar import bp as similar_bp
    from .inbox.views_staff import bp as inbox_bp
    from .jobs.views import bp as jobs_bp
    from .legal.views import bp as legal_bp
    from .open311.views import bp as open311_bp
    from .openapi import bp as openapi_bp
    from .public.views import bp as public_bp
    from .scores.views import bp as scores_bp
    from .scores.views_documents import bp as score_documents_bp
    from .scores.views_rules import bp as scoring_rules_bp
    from .surveys.views_paper import bp as paper_batches_bp
    from .surveys.views_public import bp as survey_bp
    from .surveys.views_staff import bp as survey_staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(survey_staff_bp)
    app.register_blueprint(paper_batches_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(similar_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(channels_bp)
    app.register_blueprint(openapi_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(kiosk_staff_bp)
    app.register_blueprint(scores_bp)
    app.register_blueprint(scoring_rules_bp)
    app.register_blueprint(dossiers_bp)
    app.register_blueprint(score_documents_bp)
    app.register_blueprint(appraisal_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(legal_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(transparency_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(onboarding_bp)


def register_errorhandlers(app: Flask) -> None:
    from .edge import register as register_edge
    from .errors import register

    register(app)
    register_edge(app)  # input refused at the edge, before any view, as a 4xx


def register_template_helpers(app: Flask) -> None:
    from . import labels, numbers, timeutil
    from .services import legal
    from .text import mask_name, mask_phone

    app.jinja_env.filters["date_vn"] = timeutil.format_date
    app.jinja_env.filters["datetime_vn"] = timeutil.format_datetime
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_name"] = mask_name
    app.jinja_env.filters["num_vi"] = numbers.number_vi
    app.jinja_env.filters["pct_vi"] = numbers.percent_vi
    app.jinja_env.filters["size_vi"] = numbers.size_vi
    app.jinja_env.globals["interval_vi"] = numbers.interval_vi
    app.jinja_env.filters["vi"] = labels.label
    app.jinja_env.globals["current_year"] = lambda: timeutil.local_today().year
    app.jinja_env.globals["cite"] = legal.cite  # a legal text as in force today, from the registry

    def open_alert_count() -> int:
        from flask_login import current_user

        from .extensions import db
        from .services.alerts import open_count

        return open_count(db.session, current_user) if current_user.is_authenticated else 0

    app.jinja_env.globals["open_alert_count"] = open_alert_count
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response


def register_observability(app: Flask) -> None:
    from .observability import register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)

"""Wiring of the web app: extensions, blueprints, request hooks, error pages."""
from functools import lru_cache
from importlib import import_module

from jinja2 import pass_eval_context
from markupsafe import Markup
from flask import Flask, current_app, g, jsonify, make_response, render_template, request, session
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import ROOT, texts
from .access import guard
from .database import configure_engine
from .extensions import babel, bootstrap, csrf, db, login_manager, migrate
from .office_date import today

# (module, url prefix); each module has a `bp` blueprint.
BLUEPRINTS = [
    ("radiolic.auth.views", "/auth"),
    ("radiolic.main.views", None),
    ("radiolic.admin.views", "/admin"),
    ("radiolic.api", "/api/v1"),
    # Stage blueprints write their full paths (several serve public pages outside one prefix).
    ("radiolic.intake.views", None),
    ("radiolic.deferrals.views", None),
    ("radiolic.review.views", None),
    ("radiolic.issuance.views", None),
    ("radiolic.lookup.views", None),
    ("radiolic.ratings.views", None),
    ("radiolic.supervisor.views", None),
    ("radiolic.jobs.views", None),
    ("radiolic.health", None),
]

def select_locale() -> str:
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "zh" if request else "zh"


def init_extensions(app: Flask) -> None:
    if app.config["PROXY_COUNT"]:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        busy = float(app.config["DATABASE_BUSY_SECONDS"])
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": busy},
                                                   **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, float(app.config["DATABASE_BUSY_SECONDS"]))   # listeners only; no connection
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "radiolic" / "translations"))
    # Templates call _() hundreds of times a page: look the catalogue up once per request, not once per call.
    app.jinja_env.install_gettext_callables(lambda s: _translations().ugettext(s),
                                            lambda s, p, n: _translations().ungettext(s, p, n), newstyle=True)
    # `_()` straight to the catalogue: Jinja's alias resolves `gettext` and calls it through two more wrappers.
    app.jinja_env.globals["_"] = _template_gettext
    bootstrap.init_app(app)


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str):
    from babel import support
    from wtforms.i18n import messages_path
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def wtforms_translations():
    """WTForms' own messages: Flask-WTF reads its catalogue from disk on every request (about 4 ms); the parsed
    catalogue is kept for the process and handed to the request where Flask-WTF looks for it."""
    from flask_babel import get_locale
    request.wtforms_translations = _wtforms_catalogue(str(get_locale()))


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    """What Jinja's new-style `_()` returns (escaped when autoescaping, always formatted with `variables`)."""
    text = _translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def _translations():
    """The request's gettext catalogue (flask_babel's, fetched once per application context)."""
    found = g.get("_translations")
    if found is None:
        from flask_babel import get_translations
        found = g._translations = get_translations()
    return found


def register_blueprints(app: Flask) -> None:
    for module, prefix in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp, url_prefix=prefix)


def security_headers(response):
    csp = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
           "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if current_app.config.get("HTTPS"):
        response.headers["Strict-Transport-Security"] = f"max-age={int(current_app.config['HSTS_SECONDS'])}"
    if not request.path.startswith("/static/") and not request.path.startswith("/bootstrap/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def receive_body():
    """Read a form or upload body in full before anything touches the database.

    A changing request's first query opens its write transaction; receiving a 20 MB upload from a
    slow client after that would hold the write lock for as long as the upload takes.
    """
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
            "multipart/form-data", "application/x-www-form-urlencoded"):
        request.form      # noqa: B018  (parses the body, spooling files to disk; 413 past MAX_CONTENT_LENGTH)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException):
    if wants_json():
        from .api.errors import api_error
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many_requests"}.get(error.code, "error")
        return api_error(error.code or 500, code, error.description or code)
    return render_template("errors/error.html", error=error), error.code


def handle_input_error(error):
    """A value its type does not allow: 400 (query string, page form) or 422 (JSON body), naming the field."""
    db.session.rollback()
    if wants_json():
        from .api.errors import api_error
        return api_error(error.status, "invalid" if error.status == 422 else "bad_request", error.message,
                         {error.field: error.message})
    from werkzeug.exceptions import BadRequest
    page = BadRequest(description=error.message)
    page.field = error.field
    return render_template("errors/error.html", error=page), 400


def check_inputs():
    """Query strings, form fields and JSON bodies pass the input layer before any view runs."""
    from .inputs import check_form, check_query, check_text, check_tree
    check_query(request.args)
    for name, value in (request.view_args or {}).items():
        check_text(name, value, multiline=False)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            data = request.get_json(silent=True)
            if data is not None:
                check_tree(data)
        elif request.form:
            check_form(request.form)


def handle_unexpected(error: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    db.session.rollback()
    if wants_json():
        return jsonify({"error": {"code": "server_error", "message": "服务器内部错误，已记录。", "fields": {}}}), 500
    return render_template("errors/error.html", error=None), 500


BUSY_SECONDS = 5


def is_busy(error: Exception) -> bool:
    """The database could not give this request its lock in time (SQLite's busy timeout, PostgreSQL's lock
    timeout, a deadlock or serialization failure): nothing was written, and the same request can be tried again."""
    text = str(getattr(error, "orig", error)).lower()
    return any(sign in text for sign in ("database is locked", "database table is locked", "lock timeout",
                                         "could not obtain lock", "deadlock detected", "could not serialize"))


def handle_operational(error: Exception):
    """A busy database answers 503 with Retry-After and a page saying nothing was saved; anything else is a 500."""
    if not is_busy(error):
        if current_app.testing and current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        return handle_unexpected(error)
    current_app.logger.warning("database busy on %s %s: %s", request.method, request.path, error)
    db.session.rollback()
    message = _("系统正忙（另一项大批量操作正在写入数据库），本次操作未保存。请稍候几秒后重试。")
    if wants_json():
        response = jsonify({"error": {"code": "busy", "message": message, "fields": {}}})
    else:
        response = make_response(render_template("errors/error.html", error=None, busy=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(BUSY_SECONDS)
    return response


def register_hooks(app: Flask) -> None:
    from . import vocabulary
    from .workflow import can
    from .models import User
    from .navigation import nav_groups, nav_items

    from .inputs import InputError
    app.before_request(receive_body)     # first: before any query opens a transaction
    app.before_request(guard)
    app.before_request(check_inputs)
    app.before_request(wtforms_translations)
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InputError, handle_input_error)
    from sqlalchemy.exc import OperationalError
    app.register_error_handler(OperationalError, handle_operational)
    if not app.testing or not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, handle_unexpected)

    @login_manager.user_loader
    def load_user(key: str):
        user_id, _, version = key.partition(":")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active or str(user.session_version) != version:
            return None
        return user

    # Jinja globals, so that macros imported without context (state_badge in _macros.html) see them too:
    # every code set by its class name (CaseState.title_of(case.state), StopKind.choices(), …).
    app.jinja_env.globals.update({cls.__name__: cls for cls in vocabulary.ALL}, can=can)

    @app.template_filter("local_name")
    def local_name(obj, case=None) -> str:
        """A catalogue row's name in the page's language: `name_en` on English pages when it has one.

        A dict from the applicant's progress view names a material by code: `case` finds its row."""
        if obj is None:
            return ""
        if isinstance(obj, dict):
            row = next((m for m in (case.materials if case is not None else ()) if m.code == obj.get("code")), None)
            return texts.Name.of(row).localised() if row is not None else texts.Name(obj.get("name", "")).localised()
        return texts.Name.of(obj).localised()

    app.add_template_filter(texts.localised, "localised")
    app.add_template_filter(texts.shown, "shown")

    @app.context_processor
    def template_globals():
        return {"today": today(), "lang": select_locale(),
                "office_name": office_name(), "nav_items": nav_items, "nav_groups": nav_groups}

    def office_name() -> str:
        # the English pages name the office in English; documents keep the Chinese name from the config
        if select_locale() == "en" and current_app.config.get("OFFICE_NAME_EN"):
            return current_app.config["OFFICE_NAME_EN"]
        return current_app.config["OFFICE_NAME"]

    @app.teardown_appcontext
    def _drop_calendar(_exc):
        g.pop("work_calendar", None)

"""Default settings; instance/config.py and RADIOLIC_* environment variables override them."""
import os
import secrets
from pathlib import Path


class Defaults:
    """Values every installation starts from (settings of domain.md are marked there)."""

    # Office
    OFFICE_NAME = "清远市工业和信息化局"   # the issuing body of the 2024 report (domain.md §6)
    OFFICE_NAME_EN = "Qingyuan Municipal Bureau of Industry and Information Technology"
    OFFICE_DOC_PREFIX = "清无"           # 文号 prefix: 清无受〔2024〕12号
    OFFICE_USCC = "11441800MB2C12345X"   # issuer code used in e-licence identifiers
    OFFICE_PHONE = "0763-3360000"
    OFFICE_ADDRESS = "清远市清城区政务服务中心二楼综合窗口"
    REGION_CODE = "441800"
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    # Rules (settings)
    TWO_PERSON_RULE = True               # the reviewer who decides is not the clerk who accepted
    DEFERRAL_CAP = "statutory"           # or "promised": latest due date for deferred materials
    CREDIT_BAN_MONTHS = 12               # no deferred acceptance after a broken commitment
    REMINDER_WORKDAYS = 2                # remind before a deferred material falls due
    ISSUE_LIMIT_WORKDAYS = 10            # Art. 44: deliver within 10 working days of the decision
    EXTENSION_MAX_WORKDAYS = 10          # Art. 42
    CORRECTION_NOTICE_WORKDAYS = 5       # Art. 32: give the 一次性告知 within this many days of receipt
    DEFER_DECIDE_BEFORE_SUPPLY = False   # decide while deferred materials are outstanding (then 撤回 on termination)
    APPEAL_REVIEW_BODY = "清远市人民政府"   # the 复议机关 named on 不予许可/不予受理/终止/撤回 instruments
    DECISION_STATION_TABLE_MAX = 300     # a 准予许可决定书 lists stations one by one up to this many
    BAD_RATING_FOLLOWUP_WORKDAYS = 15
    RATING_LINK_DAYS = 30                # an SMS rating link expires after this many days
    APPLICANT_SESSION_MINUTES = 30       # after a lookup, the applicant's pages work this long
    RENEWAL_REMINDER_WORKDAYS = 30
    STATION_LICENCE_MAX_YEARS = 5
    # Station types whose licence needs a frequency use permit of the holder covering every frequency (setting,
    # e.g. ("repeater", "trunked"); empty: only the validity cap applies, where a permit covers the station;
    # public mobile operators' permits are issued by the ministry, not this office, so they are not listed).
    PERMIT_REQUIRED_STATION_TYPES = ()
    PERMIT_MAX_YEARS = 10

    # Security
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    LOGIN_FAILS_PER_15_MIN = 10
    LOOKUP_FAILS_PER_HOUR = 10           # per case
    LOOKUP_FAILS_PER_ADDRESS_HOUR = 30
    PASSWORD_METHOD = "scrypt:131072:8:1"
    WTF_CSRF_TIME_LIMIT = None           # the session's own timeouts bound it
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024

    # UI
    BABEL_DEFAULT_LOCALE = "zh"
    LANGUAGES = ("zh", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    PDF_FONT_PATH = None                 # a TrueType CJK font; found automatically when None

    # Reverse proxies in front of the app (0: none). Set it to the number of trusted proxies so the
    # per-address limits see the client's address (X-Forwarded-For) and not the proxy's.
    PROXY_COUNT = 0

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}


def _coerce(value: str):
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return int(value)
    except ValueError:
        return value


def load(app, overrides: dict | None) -> None:
    """Apply defaults, then instance/config.py, then RADIOLIC_* variables, then `overrides`."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("RADIOLIC_"):
            app.config[key.removeprefix("RADIOLIC_")] = _coerce(value)
    if "DATABASE_URL" in app.config:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.update(overrides or {})
    instance = Path(app.instance_path)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance / 'radiolic.sqlite'}")
    app.config.setdefault("UPLOAD_FOLDER", str(instance / "uploads"))
    app.config.setdefault("SIGNING_KEY_PATH", str(instance / "signing_key.pem"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _instance_secret(instance: Path) -> str:
    """Read the installation's secret key, generating it once (never a constant in code)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()

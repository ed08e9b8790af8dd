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
    SEAL_PROCESSES = 0                   # processes signing a large licence batch: 0 = 1 + the idle cores, 1 = serial
    SEAL_PARENT_SHARE = 0.0              # part of a parallel batch the issuing process signs itself (0: 0.25 with 2)
    OPEN_DATA_AFTER_ISSUE = True         # rewrite the register's open-data files after each issuance batch

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
    CASE_PAGES_KEPT = 512                # status page contents kept per process (radiolic.lookup.views; ~10 kB each)
    RENEWAL_REMINDER_WORKDAYS = 30
    STATION_LICENCE_MAX_YEARS = 5
    # Station types whose licence needs a frequency use permit of the holder covering every frequency (setting,
    # e.g. ("repeater", "trunked"); empty: only the validity cap applies, where a permit covers the station;
    # public mobile operators' permits are issued by the ministry, not this office, so they are not listed).
    PERMIT_REQUIRED_STATION_TYPES = ()
    PERMIT_MAX_YEARS = 10

    # Security
    HTTPS = False                        # true: the site is served over HTTPS — Secure cookies and HSTS
    HSTS_SECONDS = 31536000
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    # One throttle for logins, status lookups and tablet pairing (radiolic/throttle.py): failures in the
    # window are counted per (account or case, address), per account or case, and per address; past the
    # free allowance each further failure doubles the wait, from the first delay up to the cap.
    THROTTLE_WINDOW_MINUTES = 60
    THROTTLE_PAIR_FREE_FAILURES = 10     # one address trying one account or case
    THROTTLE_KEY_FREE_FAILURES = 5       # one account or case, all addresses (not its owner's own address)
    THROTTLE_ADDRESS_FREE_FAILURES = 30  # one address, all accounts or cases of a kind
    THROTTLE_FIRST_DELAY_SECONDS = 2
    THROTTLE_MAX_DELAY_SECONDS = 300     # growing delays, never an hour-long wall
    THROTTLE_TRUST_DAYS = 90             # an address an account or case succeeded from counts as its owner's
    PASSWORD_METHOD = "scrypt:131072:8:1"
    API_TOKEN_DAYS = 90                  # an API token stops working this long after `flask user token` made it
    WTF_CSRF_TIME_LIMIT = None           # the session's own timeouts bound it
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    # Anonymous online applications (the public side): per address and in total per day, and upload totals
    PUBLIC_APPLICATIONS_PER_ADDRESS_DAY = 5
    PUBLIC_APPLICATIONS_PER_DAY = 200
    PUBLIC_UPLOAD_BYTES_PER_APPLICATION = 50 * 1024 * 1024
    PUBLIC_UPLOAD_BYTES_PER_DAY = 2 * 1024 * 1024 * 1024
    ZIP_INLINE_MAX = 200                 # licences a ZIP may hold when built inside a request; more: a job
    IMPORT_INLINE_MAX = 2000             # station rows imported inside the request; more: a job
    INLINE_EXPORT_ROWS = 10_000          # rows a CSV/XLSX export may hold when built inside a GET; more: a job

    # UI
    BABEL_DEFAULT_LOCALE = "zh"
    LANGUAGES = ("zh", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    PDF_FONT_PATH = None                 # a TrueType CJK font; found automatically when None

    # Reverse proxies in front of the app (0: none). Set it to the number of trusted proxies so the
    # per-address limits see the client's address (X-Forwarded-For) and not the proxy's.
    PROXY_COUNT = 0

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # SQLite: how long a writer waits for the write lock before the request answers 503 "系统正忙" (nothing saved)
    DATABASE_BUSY_SECONDS = 15


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
    if app.config.get("HTTPS"):
        # One switch: the session cookie is only sent over HTTPS, links are built with https, and the
        # security headers add Strict-Transport-Security (radiolic.web.security_headers).
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    instance = Path(app.instance_path)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance / 'radiolic.sqlite'}")
    app.config.setdefault("UPLOAD_FOLDER", str(instance / "uploads"))
    app.config.setdefault("JOBS_FOLDER", str(instance / "jobs"))     # finished job files (ZIPs, reports)
    app.config.setdefault("OPEN_DATA_FOLDER", str(instance / "open-data"))
    app.config.setdefault("SIGNING_KEY_PATH", str(instance / "signing_key.pem"))
    app.config.setdefault("RETIRED_KEYS_DIR", str(instance / "retired_keys"))
    app.config.setdefault("ARCHIVE_FOLDER", str(instance / "archive"))
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

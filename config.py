"""Configuration classes, read from the environment.

`SPROUT_ENV` chooses the class: development (default), testing or production.
Every setting that differs between machines comes from an environment variable;
the README lists them.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SPROUT_INSTANCE_DIR", BASE_DIR / "instance"))

# Keys that look random but are not: refused in production.
WEAK_SECRET_KEYS = {"dev", "secret", "changeme", "change-me", "development", "sprout", "test"}
MIN_SECRET_KEY_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 16  # "x" * 48 is long, not random


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def database_url(url: str) -> str:
    """Normalise a DATABASE_URL so that PostgreSQL always goes through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def development_secret_key() -> str:
    """A random key kept under instance/ so that development sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'sprout.sqlite3'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 30_000)

    # Public address of the site, used in links inside emails sent outside a request.
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))

    # Requests: a 20 MB deck plus the form around it; bounded form parts.
    MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 20)
    MAX_CONTENT_LENGTH = (MAX_UPLOAD_MB + 5) * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    MAX_FORM_PARTS = 500

    # Language and time: Vietnamese first, English available.
    LANGUAGES = ("vi", "en")
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    # Sessions and cookies.
    SESSION_COOKIE_NAME = "sprout_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_NAME = "sprout_remember"
    REMEMBER_COOKIE_DURATION = timedelta(days=_int("REMEMBER_DAYS", 14))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A judge may keep a score sheet open for hours on festival day: the idle limit is
    # generous, the absolute limit bounds a stolen cookie.
    SESSION_IDLE_TIMEOUT = timedelta(hours=_int("SESSION_IDLE_HOURS", 8))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=_int("SESSION_ABSOLUTE_HOURS", 24))

    # CSRF tokens are bound to the session, not to a clock, so a form left open still saves.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    # Login throttling: failures counted per account and per address over a window.
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_MAX_FAILURES_PER_ACCOUNT = _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 10)
    # A festival venue puts 200 judges behind one address: only a flood is refused.
    LOGIN_MAX_FAILURES_PER_IP = _int("LOGIN_MAX_FAILURES_PER_IP", 100)

    # Single-use links.
    VERIFY_TOKEN_TTL = timedelta(hours=48)
    RESET_TOKEN_TTL = timedelta(hours=1)
    ACTIVATION_TOKEN_TTL = timedelta(days=7)

    # argon2id, above the OWASP/ASVS minimum (19 MiB, t=2, p=1).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65536
    ARGON2_PARALLELISM = 2

    # Mail goes through the outbox; "smtp" sends with Flask-Mail, "log" writes messages
    # to the log (development without a mail server).
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Sprout <no-reply@sprout.local>")
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 10)
    # Try to send right after the commit; production leaves it to `flask mail send-pending`.
    MAIL_SEND_ON_COMMIT = _bool("MAIL_SEND_ON_COMMIT", True)

    BOOTSTRAP_SERVE_LOCAL = True

    # Text responses leave compressed (Flask-Compress): brotli for the browsers that take it,
    # gzip for the others. Bootstrap's CSS alone is 227 KB as it lies on disk, 30 KB gzipped:
    # the difference between a score sheet that loads on a weak phone signal and one that does
    # not. Only these text types: workbooks, PDFs and uploads are sent as they are. Off when
    # a proxy in front already compresses.
    COMPRESS_RESPONSES = _bool("COMPRESS_RESPONSES", True)
    # Behind a reverse proxy: how many proxies in front set X-Forwarded-For/-Proto (the
    # client's address then reaches sign-in throttling and the audit log, not the proxy's),
    # and whether the proxy stamps X-Request-Start, so that deadlines are judged by when a
    # request arrived rather than when a worker was free (app/arrival.py).
    PROXY_HOPS = _int("PROXY_HOPS", 0)
    REQUEST_START_HEADER = _bool("REQUEST_START_HEADER", False)
    COMPRESS_REGISTER = False  # app/__init__.py decides which responses go through it
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]  # static files: send_file streams them
    COMPRESS_STREAMING_ENDPOINT_CONDITIONAL = ["static", "bootstrap.static"]
    COMPRESS_LEVEL = 6
    COMPRESS_BR_LEVEL = 5
    COMPRESS_MIN_SIZE = 500

    PREFERRED_URL_SCHEME = "http"


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "log")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-" + "x" * 40
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    SQLITE_BUSY_TIMEOUT_MS = 5_000
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 1024
    ARGON2_PARALLELISM = 1
    MAIL_TRANSPORT = "smtp"
    MAIL_SUPPRESS_SEND = False  # tests read what a real SMTP server on loopback received
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 0  # set by the test fixture to its loopback SMTP server
    SITE_URL = "http://localhost"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"
    MAIL_SEND_ON_COMMIT = _bool("MAIL_SEND_ON_COMMIT", False)


def check_production(config: dict) -> None:
    """Refuse to start production with a guessable key, debug on, or no database set."""
    key = config.get("SECRET_KEY") or ""
    looks_random = len(set(key)) >= MIN_DISTINCT_CHARACTERS and key != TestingConfig.SECRET_KEY
    if len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in WEAK_SECRET_KEYS or not looks_random:
        raise RuntimeError(
            "SECRET_KEY is missing or weak: set a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')."
        )
    if config.get("DEBUG") or _bool("FLASK_DEBUG", False):
        raise RuntimeError("Debug mode must be off in production.")
    if config.get("SQLALCHEMY_DATABASE_URI", "").startswith("sqlite") and not config.get(
        "ALLOW_SQLITE_IN_PRODUCTION"
    ):
        raise RuntimeError("Production runs on PostgreSQL: set DATABASE_URL.")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    name = (name or os.environ.get("SPROUT_ENV") or "development").lower()
    if name not in CONFIGS:
        raise RuntimeError(f"Unknown SPROUT_ENV {name!r}: use one of {', '.join(CONFIGS)}.")
    return CONFIGS[name]

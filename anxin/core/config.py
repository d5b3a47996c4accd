"""One settings object, read from the environment (prefix ``ANXIN_``).

Every variable is listed in ``docs/configuration.md``; a test keeps the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", extra="ignore")

    home: Path = Field(
        default=Path("var"),
        description="Folder for the app's own state: SQLite database, master key, uploads, models.",
    )
    environment: Literal["development", "production", "test"] = Field(
        default="development",
        description="'production' turns on HSTS and secure cookies and refuses the generated key.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: SQLite at $ANXIN_HOME/anxin.db. "
        "PostgreSQL: postgresql+asyncpg://user@host/db.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL. When set, jobs go to `anxin worker` processes and realtime "
        "events cross processes through Redis pub/sub; unset, both run in-process.",
    )
    redis_namespace: str = Field(
        default="anxin",
        description="Prefix of every Redis key and channel, so several deployments can share a Redis.",
    )
    host: str = Field(default="127.0.0.1", description="Address `anxin serve` binds.")
    port: int = Field(default=8000, description="Port `anxin serve` binds.")
    public_url: str | None = Field(
        default=None, description="The site's public base URL, used in e-mails and links."
    )
    default_locale: Literal["zh-CN", "en"] = Field(
        default="zh-CN", description="Language used when the browser states no preference."
    )
    default_region: str = Field(
        default="CN",
        description="Region whose crisis resources are shown when the visitor's is unknown.",
    )
    log_level: str = Field(default="INFO", description="Python log level name.")
    log_json: bool = Field(default=True, description="Write logs as one JSON object per line.")
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key for signing cookies and CSRF tokens; generated under ANXIN_HOME if unset.",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Master keys that wrap every data key: 'v2:<base64 32 bytes>,v1:<...>', newest "
        "first (older versions only unwrap, until `anxin privacy rotate-master-key` re-wraps them). "
        "Unset: $ANXIN_HOME/master.key is generated (0600); refused in production.",
    )
    audit_head_file: Path | None = Field(
        default=None,
        description="Where `anxin privacy export-audit-head` writes the audit chain's head for the "
        "daily off-site copy; default: $ANXIN_HOME/audit-head.json.",
    )
    outbox_poll_seconds: float = Field(
        default=2.0,
        description="How often the outbox relay sweeps for rows left behind (e.g. after a crash).",
    )
    outbox_max_attempts: int = Field(
        default=8, description="Attempts before a job is parked as failed for an operator."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=10_000, description="How long a SQLite writer waits for the lock."
    )
    email_backend: Literal["console", "smtp"] = Field(
        default="console", description="How e-mail is sent: printed to the log, or SMTP."
    )
    smtp_host: str = Field(default="localhost", description="SMTP server host.")
    smtp_port: int = Field(default=587, description="SMTP server port.")
    smtp_username: str | None = Field(default=None, description="SMTP user name.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Use STARTTLS with the SMTP server.")
    email_from: str = Field(
        default="Anxin <no-reply@anxin.invalid>", description="Sender address of e-mails."
    )
    sms_backend: Literal["console", "webhook"] = Field(
        default="console",
        description="How SMS is sent: printed to the log, or POSTed to an HTTP gateway.",
    )
    sms_webhook_url: str | None = Field(
        default=None, description="HTTP gateway that sends SMS when sms_backend=webhook."
    )
    webpush_backend: Literal["console", "webhook"] = Field(
        default="console", description="How web-push messages are delivered."
    )
    webpush_webhook_url: str | None = Field(
        default=None, description="HTTP push gateway used when webpush_backend=webhook."
    )
    sms_webhook_secret: SecretStr | None = Field(
        default=None, description="Shared secret sent in a header with every request to the SMS gateway."
    )
    webpush_webhook_secret: SecretStr | None = Field(
        default=None, description="Shared secret sent in a header with every request to the push gateway."
    )
    notify_webhook_secret_header: str = Field(
        default="X-Anxin-Webhook-Secret",
        description="Name of the header that carries the SMS / push gateway's shared secret.",
    )
    notify_console_prints_body: bool | None = Field(
        default=None,
        description="Whether the console sender prints whole messages (e.g. sign-in codes) to stdout. "
        "Unset: only when environment=development. Never in production, whatever the value.",
    )
    notify_send_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Time limit of one SMTP or gateway call when sending a message."
    )
    notify_message_ttl_minutes: int = Field(
        default=1440,
        ge=1,
        description="An e-mail, SMS or push not sent within this time is dropped and its text wiped.",
    )
    realtime_heartbeat_seconds: float = Field(
        default=20.0,
        gt=0,
        le=25,
        description="How often the server pings each WebSocket; a client that answers two pings in a "
        "row with nothing is dropped.",
    )
    realtime_max_frame_bytes: int = Field(
        default=32768, ge=256, description="Largest WebSocket frame a client may send (bytes)."
    )
    realtime_max_channels: int = Field(
        default=200, ge=1, description="Most channels one WebSocket may subscribe to."
    )
    realtime_frames_per_second: float = Field(
        default=20.0,
        gt=0,
        description="Frames one WebSocket may send per second on average; more get a rate_limited error.",
    )
    realtime_frame_burst: int = Field(
        default=60, ge=1, description="Frames one WebSocket may send in a burst above the average rate."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.home / 'anxin.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()


def settings_table(settings_class: type[BaseSettings]) -> str:
    """A Markdown table of a settings class's variables, defaults and meanings."""
    prefix = str(settings_class.model_config.get("env_prefix", "ANXIN_"))
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in settings_class.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, SecretStr):
            shown = "(secret)"
        elif default is None:
            shown = "—"
        else:
            shown = f"`{default}`"
        description = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{prefix}{name.upper()}` | {shown} | {description} |")
    return "\n".join(lines) + "\n"


def settings_reference_markdown() -> str:
    """The table of every core setting for docs/configuration.md (kept in step by a test)."""
    return settings_table(Settings)

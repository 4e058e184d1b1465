"""Settings, read from the environment and `.env` (pydantic-settings).

Every setting has a `KANSRIJK_` environment variable; the two database URLs also
accept the conventional unprefixed `DATABASE_URL` / `MIGRATION_DATABASE_URL`.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.db import DatabaseLimits

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./kansrijk.sqlite3"
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KANSRIJK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "KANSRIJK_DATABASE_URL"),
        description="Database the app connects to (sqlite+aiosqlite:// or postgresql+asyncpg://).",
    )
    migration_database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MIGRATION_DATABASE_URL", "KANSRIJK_MIGRATION_DATABASE_URL"),
        description="Database URL of the owner role that runs migrations; defaults to DATABASE_URL.",
    )
    debug: bool = Field(
        default=False,
        description="Development mode: GraphiQL, introspection, detailed errors and the development login.",
    )
    strict_modules: bool = Field(
        default=False,
        description="Fail start-up when an installed module cannot be loaded (instead of logging and skipping it).",
    )
    log_level: str = Field(default="INFO", description="Log level (DEBUG, INFO, WARNING, ERROR).")
    log_json: bool = Field(default=True, description="Log as JSON lines (false: human-readable console output).")
    graphql_max_page_size: int = Field(default=100, ge=1, le=1000, description="Largest `first` a connection accepts.")
    graphql_max_depth: int = Field(default=12, ge=2, description="Deepest query the API executes.")
    graphql_max_aliases: int = Field(default=30, ge=1, description="Most aliases in one query.")
    graphql_max_tokens: int = Field(default=4000, ge=100, description="Most tokens in one query document.")
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL the service is reached at: the token issuer (`iss`) and the base of login callbacks.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description="Secret that encrypts signing keys and TOTP secrets and signs login state. Required outside debug.",
    )
    token_audience: str = Field(default="kansrijkestart-api", description="The `aud` of access tokens.")
    access_token_lifetime: int = Field(default=600, ge=60, le=3600, description="Access token lifetime in seconds.")
    refresh_token_lifetime: int = Field(
        default=12 * 3600, ge=300, description="Longest a login session (refresh token family) lives, in seconds."
    )
    refresh_idle_timeout: int = Field(
        default=30 * 60, ge=60, description="A session unused this many seconds is over (refresh refused)."
    )
    password_min_length: int = Field(default=12, ge=12, description="Shortest password accepted.")
    login_max_failures: int = Field(default=5, ge=3, description="Failed logins before an account is locked.")
    login_lock_seconds: int = Field(default=15 * 60, ge=60, description="How long a lock lasts, in seconds.")
    invitation_lifetime: int = Field(default=7 * 24 * 3600, ge=3600, description="How long an invitation is valid, in seconds.")
    public_rate_limit: str = Field(
        default="60/minute", description="Requests per client address to a tenant's public GraphQL endpoint (limits syntax)."
    )
    login_rate_limit: str = Field(
        default="30/minute",
        description="Login attempts (password and second step) per client address, over all gemeenten (limits syntax).",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks of the reverse proxies in front (e.g. [\"10.0.0.0/8\"]): only from these is X-Forwarded-For believed.",
    )
    rate_limit_storage: str = Field(
        default="async+memory://",
        description="Where rate-limit counters live: async+memory:// (one process) or async+redis://host:6379 (shared).",
    )
    jobs_in_process: bool | None = Field(
        default=None,
        description=(
            "Run the platform's periodic tasks (jobs, event delivery, sealing the processing log) in the server process."
            " Unset: yes on SQLite (one process), no on PostgreSQL, where `kansrijk worker` processes run them."
        ),
    )
    outbox_interval: int = Field(
        default=30, ge=0, description="Seconds between retries of undelivered domain events (0: off)."
    )
    event_retry_interval: int = Field(
        default=15, ge=0, description="Seconds between rounds that retry failed event deliveries to a subscriber (0: off)."
    )
    event_retry_base_delay: float = Field(
        default=30.0,
        ge=0,
        description="Seconds before the first retry of a failed event delivery; each next retry waits twice as long (with jitter).",
    )
    event_retry_max_delay: float = Field(
        default=3600.0, ge=0, description="The longest wait between two retries of a failed event delivery, in seconds."
    )
    event_max_attempts: int = Field(
        default=8,
        ge=1,
        description="Attempts to deliver an event to one subscriber before the delivery goes to the dead letter (`kansrijk events`).",
    )
    webhook_delivery_interval: int = Field(
        default=5, ge=0, description="Seconds between the job engine's rounds that send due webhook deliveries (0: off)."
    )
    webhook_timeout: float = Field(
        default=10, gt=0, le=60, description="Seconds a webhook receiver has to connect and answer before the attempt counts as failed."
    )
    webhook_concurrency: int = Field(
        default=10, ge=1, le=200, description="Webhook deliveries one worker sends at the same time."
    )
    webhook_retry_base_delay: float = Field(
        default=60.0, ge=0, description="Seconds before the first retry of a failed webhook delivery; each next retry waits twice as long (with jitter)."
    )
    webhook_retry_max_delay: float = Field(
        default=3 * 3600.0, ge=0, description="The longest wait between two attempts of a webhook delivery, in seconds."
    )
    webhook_max_attempts: int = Field(
        default=16,
        ge=1,
        description="Attempts of a webhook delivery before it is dead (the default schedule spans about 25 hours).",
    )
    webhook_secret_grace: int = Field(
        default=24 * 3600,
        ge=0,
        le=30 * 24 * 3600,
        description="Seconds the previous secret of a webhook subscription stays valid after a rotation (unless the rotation is finished earlier).",
    )
    webhook_allow_private_targets: bool = Field(
        default=False,
        description=(
            "Allow webhook URLs that resolve to loopback, private, link-local or other non-public addresses"
            " (for a receiver inside the gemeente's own network; keep off otherwise: it guards against SSRF)."
        ),
    )
    webhook_ca_bundle: str | None = Field(
        default=None, description="A PEM file with the certificate authorities webhook receivers are checked against (default: the system's)."
    )
    webhook_delivery_retention_days: int = Field(
        default=30, ge=1, description="Days a delivered or dead webhook delivery stays in the delivery log."
    )
    db_lock_timeout: float = Field(
        default=5, ge=0, le=600, description="Seconds a statement waits for a lock before the request answers BUSY (0: no limit)."
    )
    db_statement_timeout: float = Field(
        default=30, ge=0, le=3600, description="Seconds one statement may run before the request answers BUSY (0: no limit; PostgreSQL)."
    )
    db_pool_size: int = Field(default=10, ge=1, le=500, description="Database connections each process keeps open (PostgreSQL).")
    db_max_overflow: int = Field(default=10, ge=0, le=500, description="Extra connections a process may open at busy moments (PostgreSQL).")
    db_pool_timeout: float = Field(
        default=10, gt=0, le=600, description="Seconds a request waits for a free connection before it answers BUSY."
    )
    transaction_attempts: int = Field(
        default=4, ge=1, le=10, description="How often a unit of work runs when the database reports a deadlock or serialization failure."
    )
    seal_interval: int = Field(
        default=2,
        ge=1,
        le=300,
        description="Seconds between sealings of the processing log (chaining new records): the longest a record stays unsealed while the job engine runs.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus sends to /metrics. Unset: /metrics answers anyone, so serve it on an internal network only.",
    )
    metrics_query_timeout: float = Field(
        default=5, gt=0, le=60, description="Seconds /metrics may spend counting backlogs (jobs, outbox, unsealed records) in the database."
    )
    mail_sender: str = Field(
        default="console", description="How mail is sent: `console` (log it) or `file` (write .eml files to mail_dir)."
    )
    mail_dir: str = Field(default="./var/mail", description="Directory for the `file` mail sender.")
    mail_from: str = Field(default="Kansrijke Start <noreply@kansrijkestart.example>", description="Sender address.")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        import ipaddress

        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(f"not an address or network: {value!r}") from None
        return values

    @field_validator("database_url", "migration_database_url")
    @classmethod
    def _async_driver_only(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite://… or postgresql+asyncpg://… (all database access is async)")
        return value

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        if not self.debug and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError("set KANSRIJK_SECRET_KEY (at least 32 random characters) when debug is off")
        if len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("KANSRIJK_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def issuer(self) -> str:
        return self.public_base_url.rstrip("/")

    @property
    def effective_migration_url(self) -> str:
        return self.migration_database_url or self.database_url

    @property
    def database_limits(self) -> DatabaseLimits:
        return DatabaseLimits(
            lock_timeout=self.db_lock_timeout,
            statement_timeout=self.db_statement_timeout,
            pool_size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
            pool_timeout=self.db_pool_timeout,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def run_jobs_in_process(self) -> bool:
        """Whether the server runs the periodic tasks itself (`jobs_in_process`, by default
        only on SQLite); else `kansrijk worker` does (PostgreSQL)."""
        return self.is_sqlite if self.jobs_in_process is None else self.jobs_in_process


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Configuration from the environment (``PLAYGATE_*``), read once per FC instance.

Every setting is documented in the README's Settings table; keep the two in step. A plain pydantic
model fed from ``os.environ`` (names case-insensitive, as before): pydantic-settings cost about 15 ms
of every cold start for features no setting uses (dotenv files, secrets directories, nested values).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from playgate.errors import ConfigError
from playgate.log import redact_text

DEFAULT_CHECKED_EVENT_TYPES = (
    "MediaConvertComplete,MediaConvertOutputComplete,TranscodeComplete,TranscodeParentComplete,"
    "ProduceMediaComplete,RegisterMediaComplete,FileUploadComplete,UploadByURLComplete,"
    "StreamUploadComplete,AIProduceComplete"
)
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


ENV_PREFIX = "PLAYGATE_"


def _from_environment() -> dict[str, str]:
    """``PLAYGATE_<NAME>`` variables as ``{name: value}``, whatever the case of the variable's name."""
    size = len(ENV_PREFIX)
    return {k[size:].lower(): v for k, v in os.environ.items() if k[:size].upper() == ENV_PREFIX}


class Settings(BaseModel):
    """The environment's ``PLAYGATE_*`` values; keyword arguments override them (tests, the CLI)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_from_environment(), **values})

    # --- ICE --------------------------------------------------------------------------------------
    region: str | None = Field(
        None, description="Region id; else FC context.region, else ALIBABA_CLOUD_REGION_ID."
    )
    ice_endpoint: str | None = Field(
        None, description="Override, e.g. http://127.0.0.1:8790 for the emulator."
    )
    ice_vpc: bool = Field(
        False, description="Use ice-vpc.<region>.aliyuncs.com instead of the public endpoint."
    )
    access_key_id: SecretStr | None = Field(None, description="Explicit credentials (first in the chain).")
    access_key_secret: SecretStr | None = None
    security_token: SecretStr | None = None
    ice_timeout_s: float = Field(5.0, gt=0, description="Connect and read timeout of one ICE call.")
    ice_deadline_s: float = Field(20.0, gt=0, description="Budget for one ICE call including retries.")
    ice_max_attempts: int = Field(6, ge=1, description="Attempts per ICE call (throttling, 5xx, timeouts).")
    auth_timeout_s: int = Field(3600, ge=3600, description="GetPlayInfo AuthTimeout: signed URL validity.")
    output_type: Literal["oss", "cdn"] = Field("oss", description="URL type GetMediaInfo returns.")

    # --- gate ---------------------------------------------------------------------------------------
    rules: str | None = Field(None, description="Rule file (YAML); the built-in profiles when unset.")
    checked_event_types: str = Field(
        DEFAULT_CHECKED_EVENT_TYPES, description="Comma-separated event types to gate."
    )
    store: str = Field(
        "sqlite:////tmp/playgate.sqlite3",
        description="Idempotency store: sqlite:///PATH, redis://… or postgresql://…",
    )
    ledger: str | None = Field(
        None,
        description="Where verdicts are kept: unset = the store (SQLite, PostgreSQL; none beside Redis), "
        "a sqlite:/// or postgresql:// URL, or off.",
    )
    ledger_retention_days: float = Field(90, gt=0, description="How long the ledger keeps a verdict.")
    completed_ttl_s: int = Field(7 * 24 * 3600, gt=0, description="How long a completed record is kept.")
    in_progress_ttl_s: int = Field(
        300, gt=0, description="In-progress claim expiry when FC's deadline is unknown."
    )
    in_progress_wait_s: float = Field(
        5.0, ge=0, description="How long a duplicate waits for its twin to finish."
    )
    safety_margin_s: float = Field(3.0, ge=0, description="Time kept in reserve before the FC timeout.")
    not_ready_max_age_s: float = Field(
        3600, ge=0, description="How long after its event a media still preparing is retried."
    )

    # --- probe: fetch what viewers get (playgate.probe) ---------------------------------------------
    probe: str | None = Field(
        None,
        description="none, manifest or decode: how far to probe renditions, every profile (unset: its own).",
    )
    probe_allow_hosts: str = Field(
        "", description="Comma-separated hosts the probe may fetch even on private or loopback addresses."
    )
    probe_max_segments: int = Field(
        30, ge=0, description="Segments probed per playlist: first, last, evenly spread."
    )
    probe_concurrency: int = Field(8, ge=1, description="Probe requests in flight at once.")
    ffmpeg: str | None = Field(
        None, description="ffmpeg binary for decode; unset: /opt/bin/ffmpeg (FC's layer), else PATH."
    )
    decode_timeout_s: float = Field(
        20.0, gt=0, description="Time limit of one ffmpeg run (one window of one rendition)."
    )
    decode_parallel: int | None = Field(
        None, ge=1, description="Renditions decoded at once, at most; unset: as the cores and memory allow."
    )

    # --- HTTP callbacks (FC HTTP trigger) --------------------------------------------------------------
    callback_auth_key: SecretStr | None = Field(
        None, description="ICE's callback AuthKey: HTTP callbacks must carry a valid X-ICE-SIGNATURE."
    )
    callback_url: str | None = Field(None, description="The callback URL exactly as set in ICE (signed).")
    callback_max_skew_s: int = Field(300, gt=0, description="How old an X-ICE-TIMESTAMP may be, in seconds.")
    callback_allow_unsigned: bool = Field(
        False, description="Accept HTTP callbacks without a signature when no AuthKey is set (opt-in)."
    )

    # --- sinks --------------------------------------------------------------------------------------
    playback_sink: str = Field("stdout:", description="Where playback.ready and qc.passed go.")
    alert_sink: str = Field("stdout:", description="Where qc.alert goes.")
    dead_letter_sink: str = Field("stdout:", description="Where malformed and undeliverable items go.")
    message_templates: str | None = Field(
        None, description="YAML file replacing the chat robots' message templates."
    )
    console_url: str = Field(
        "https://ims.console.aliyun.com/media/detail?mediaId={media_id}&regionId={region}",
        description="Link to a media in the ICE console, in robot messages; {media_id} and {region}.",
    )
    mns_endpoint: str | None = Field(
        None, description="MNS endpoint, http(s)://<account>.mns.<region>.aliyuncs.com"
    )
    function_name: str = Field("qc-gate", description="CloudEvents source is playgate/<function_name>.")

    # --- reconciler ---------------------------------------------------------------------------------
    reconcile_overlap_s: int = Field(600, ge=0, description="Window starts at the watermark minus this.")
    reconcile_settle_s: int = Field(60, ge=0, description="Window ends at now minus this.")
    reconcile_initial_lookback_s: int = Field(3600, gt=0, description="First sweep with no watermark.")
    reconcile_max_qps: float = Field(10.0, gt=0, description="Ceiling on ICE calls per second in a sweep.")
    reconcile_parallelism: int = Field(4, ge=1, description="Jobs gated at once in a sweep.")

    log_level: str = Field("info", description="debug, info, warning, error or critical.")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().lower()
        if level not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level: use {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("checked_event_types")
    @classmethod
    def _known_event_types(cls, value: str) -> str:
        from playgate.events.model import ICE_EVENT_TYPES

        names = [t.strip() for t in value.split(",") if t.strip()]
        if not names:  # a function that gates nothing would acknowledge every event unchecked
            raise ValueError("names no event type; unset it to gate the default ones")
        unknown = [name for name in names if name not in ICE_EVENT_TYPES]
        if unknown:  # a misspelt type would skip every event of that type, silently
            raise ValueError(
                f"unknown event type(s) {', '.join(_with_suggestion(n, ICE_EVENT_TYPES) for n in unknown)}; "
                f"ICE's event types are {', '.join(sorted(ICE_EVENT_TYPES))}"
            )
        return ",".join(names)

    @field_validator("rules", "message_templates", "ffmpeg")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        # s.yaml has no conditions: a path left empty there arrives as "" and means "not set"
        return value if value and value.strip() else None

    @field_validator("message_templates")
    @classmethod
    def _templates_file_exists(cls, value: str | None) -> str | None:
        # checked even with no robot sink: a named file that is not there is a mistake, not "built-in"
        if value is not None and not os.path.isfile(value):
            raise ValueError(f"no such file (relative to {os.getcwd()}); unset it for the built-in templates")
        return value

    @field_validator("probe")
    @classmethod
    def _probe_mode(cls, value: str | None) -> str | None:
        from playgate.probe.checks import PROBE_MODES

        if value is None or not value.strip():
            return None
        if value.strip().lower() not in PROBE_MODES:
            raise ValueError(f"PLAYGATE_PROBE must be one of {', '.join(PROBE_MODES)}, got {value!r}")
        return value.strip().lower()

    @model_validator(mode="after")
    def _callback_url_with_key(self) -> Settings:
        if self.callback_auth_key is not None and not self.callback_url:
            raise ValueError(
                "PLAYGATE_CALLBACK_AUTH_KEY is set but PLAYGATE_CALLBACK_URL is not: the signature covers "
                "the callback URL, so set it exactly as configured in ICE"
            )
        return self

    @property
    def checked_types(self) -> frozenset[str]:
        return frozenset(self.checked_event_types.split(","))

    def resolved_region(self, context_region: str | None = None) -> str | None:
        return self.region or context_region or os.environ.get("ALIBABA_CLOUD_REGION_ID")


def _closest(name: str, known: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return found[0] if found else None


def _with_suggestion(name: str, known: Iterable[str]) -> str:
    close = _closest(name, known)
    return f"{name!r} (did you mean {close!r}?)" if close else repr(name)


# Read by s.yaml when deploying (${env('…')}), not by the function: not settings, but not mistakes either
DEPLOY_VARIABLES = frozenset(
    {"PLAYGATE_ROLE_ARN", "PLAYGATE_LAYER_ARN", "PLAYGATE_LOG_PROJECT", "PLAYGATE_LOG_STORE"}
)
_warned = False


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A sentence for every ``PLAYGATE_*`` variable that is no setting (a misspelt name is ignored
    otherwise), naming the closest setting; variables a sink URL reads as ``${NAME}`` are known."""
    env = os.environ if environ is None else environ
    known = {name.upper() for name in Settings.model_fields}
    used = " ".join(v for k, v in env.items() if k.upper().endswith("_SINK"))
    sentences = []
    for name in sorted(env):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper.removeprefix(ENV_PREFIX) in known:
            continue
        if upper in DEPLOY_VARIABLES or f"${{{name}}}" in used:  # s.yaml's, or a secret a sink URL reads
            continue
        close = _closest(upper.removeprefix(ENV_PREFIX), known)  # not the prefix: every name shares it
        hint = f"; did you mean {ENV_PREFIX}{close}?" if close else ""
        sentences.append(f"{name} is not a playgate setting and is ignored{hint}")
    return sentences


def warn_unknown_variables(warn: Callable[[str], None]) -> None:
    """Say once per process (the CLI on stderr, the function in its log) which variables are no setting."""
    global _warned
    if not _warned:
        _warned = True
        for sentence in unknown_variables():
            warn(sentence)


def load_settings() -> Settings:
    """The settings from the environment; a wrong value is a :class:`ConfigError` naming the variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False):
        reason = str(item["msg"]).removeprefix("Value error, ")
        if not item["loc"]:  # a rule across settings: its message names the variables
            problems.append(reason)
            continue
        field = str(item["loc"][0])
        secret = "SecretStr" in str(Settings.model_fields[field].annotation)
        shown = "" if secret else redact_text(f"={item.get('input')!r}")  # never echo a credential
        name = f"PLAYGATE_{field.upper()}"
        problems.append(f"{name}{shown}: {reason}")
    return "; ".join(problems) + ". Fix the environment variable (the README's Settings table lists each)."

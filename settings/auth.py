"""How access tokens are checked: `PERFEX_JWT_*`.

The algorithm list is fixed by configuration, never by the token (RFC 8725 §3.1). HMAC and
public-key algorithms cannot be mixed: a verifier that accepts both can be fooled into using
the public key as an HMAC secret (key confusion). Every mistake is a ConfigError with one line
that names the variable and never echoes a secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL

from settings.env import ENV_FILE, state_directory
from settings.errors import ConfigError

ENV_PREFIX = "PERFEX_JWT_"
HMAC_ALGORITHMS = {"HS256": 32, "HS384": 48, "HS512": 64}  # minimum secret bytes (RFC 7518 §3.2)
RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGORITHMS = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
ALLOWED_ALGORITHMS = (*HMAC_ALGORITHMS, *RSA_ALGORITHMS, *EC_ALGORITHMS)
MIN_RSA_BITS = 2048


class AuthSettings(BaseSettings):
    """Token verification settings; invalid combinations fail at construction."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    algorithms: Annotated[tuple[str, ...], NoDecode] = ("HS256",)
    secret: SecretStr | None = None
    public_key: str | None = None
    private_key: SecretStr | None = None
    issuer: str = Field(default="perfex-graph", min_length=1)
    audience: str = Field(default="perfex-clinical-graph", min_length=1)
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    max_ttl_seconds: int = Field(default=3600, ge=60, le=86400)

    _verification_key: Any = PrivateAttr(default=None)
    _signing_key: Any = PrivateAttr(default=None)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None

    @field_validator("algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, raw: Any) -> Any:
        """Accept `HS256`, `RS256,PS256` or a JSON list, and the canonical spelling of each."""
        if isinstance(raw, str):
            text = raw.strip()
            try:
                raw = json.loads(text) if text.startswith("[") else text.split(",")
            except ValueError:
                raise ConfigError(f"{ENV_PREFIX}ALGORITHMS is not a list, e.g. HS256") from None
        if not isinstance(raw, list | tuple) or not raw:
            raise ConfigError(f"{ENV_PREFIX}ALGORITHMS must name at least one algorithm")
        canonical = {name.upper(): name for name in ALLOWED_ALGORITHMS}
        chosen: list[str] = []
        for item in raw:
            name = canonical.get(str(item).strip().upper())
            if name is None:
                raise ConfigError(
                    f"{ENV_PREFIX}ALGORITHMS: {str(item).strip()!r} is not allowed; "
                    f"use one of {', '.join(ALLOWED_ALGORITHMS)}"
                )
            if name not in chosen:
                chosen.append(name)
        return tuple(chosen)

    @field_validator("public_key", mode="after")
    @classmethod
    def _read_public_key(cls, raw: str | None) -> str | None:
        return _pem_or_file(raw, "PUBLIC_KEY") if raw else None

    @field_validator("private_key", mode="after")
    @classmethod
    def _read_private_key(cls, raw: SecretStr | None) -> SecretStr | None:
        if raw is None or not raw.get_secret_value():
            return None
        return SecretStr(_pem_or_file(raw.get_secret_value(), "PRIVATE_KEY"))

    @model_validator(mode="after")
    def _check_keys(self) -> AuthSettings:
        families = {_family(name) for name in self.algorithms}
        if len(families) > 1:
            raise ConfigError(
                f"{ENV_PREFIX}ALGORITHMS mixes {' and '.join(sorted(families))} algorithms: "
                "choose one family (HS* with a secret, or RS*/PS* or ES* with a public key)"
            )
        if families == {"HMAC"}:
            self._verification_key = self._signing_key = self._hmac_key()
        else:
            self._verification_key = self._public_key()
            self._signing_key = self._private_key()
        return self

    @property
    def is_hmac(self) -> bool:
        return _family(self.algorithms[0]) == "HMAC"

    @property
    def verification_key(self) -> Any:
        """The key object verify_token uses: HMAC secret bytes or a loaded public key."""
        return self._verification_key

    @property
    def signing_key(self) -> Any:
        """The key mint_token uses, or None when this process cannot mint tokens."""
        return self._signing_key

    def _hmac_key(self) -> bytes:
        if self.public_key or self.private_key:
            raise ConfigError(
                f"{ENV_PREFIX}PUBLIC_KEY/PRIVATE_KEY are set but {ENV_PREFIX}ALGORITHMS is HMAC: "
                "unset them, or configure RS*/ES* algorithms"
            )
        if self.secret is None or not self.secret.get_secret_value():
            raise ConfigError(f"{ENV_PREFIX}SECRET is required for {', '.join(self.algorithms)}")
        key = self.secret.get_secret_value().encode()
        needed = max(HMAC_ALGORITHMS[name] for name in self.algorithms)
        if len(key) < needed:
            raise ConfigError(
                f"{ENV_PREFIX}SECRET is too short: {', '.join(self.algorithms)} needs at least "
                f'{needed} bytes (generate one with `python -c "import secrets; '
                f'print(secrets.token_urlsafe(64))"`)'
            )
        if b"-----BEGIN" in key:
            raise ConfigError(f"{ENV_PREFIX}SECRET looks like a PEM key: use a random secret")
        return key

    def _public_key(self) -> Any:
        if self.secret is not None:
            raise ConfigError(
                f"{ENV_PREFIX}SECRET is set but {ENV_PREFIX}ALGORITHMS is "
                f"{', '.join(self.algorithms)}: unset it (an HMAC secret is never used with keys)"
            )
        if not self.public_key:
            raise ConfigError(
                f"{ENV_PREFIX}PUBLIC_KEY (PEM text or a path to a PEM file) is required for "
                f"{', '.join(self.algorithms)}"
            )
        try:
            key = load_pem_public_key(self.public_key.encode())
        except (ValueError, TypeError):
            raise ConfigError(f"{ENV_PREFIX}PUBLIC_KEY is not a PEM public key") from None
        self._check_key_type(key, "PUBLIC_KEY")
        return key

    def _private_key(self) -> Any:
        if self.private_key is None:
            return None
        try:
            key = load_pem_private_key(self.private_key.get_secret_value().encode(), password=None)
        except (ValueError, TypeError):
            raise ConfigError(
                f"{ENV_PREFIX}PRIVATE_KEY is not an unencrypted PEM private key"
            ) from None
        self._check_key_type(key.public_key(), "PRIVATE_KEY")
        if _der(key.public_key()) != _der(self._verification_key):
            raise ConfigError(
                f"{ENV_PREFIX}PRIVATE_KEY does not match {ENV_PREFIX}PUBLIC_KEY: "
                "tokens it signs would not verify"
            )
        return key

    def _check_key_type(self, key: Any, variable: str) -> None:
        if _family(self.algorithms[0]) == "RSA":
            if not isinstance(key, rsa.RSAPublicKey):
                raise ConfigError(f"{ENV_PREFIX}{variable} is not an RSA key, as RS*/PS* need")
            if key.key_size < MIN_RSA_BITS:
                raise ConfigError(
                    f"{ENV_PREFIX}{variable} is a {key.key_size}-bit RSA key: "
                    f"use at least {MIN_RSA_BITS} bits"
                )
            return
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise ConfigError(f"{ENV_PREFIX}{variable} is not an EC key, as ES* need")
        for name in self.algorithms:
            if key.curve.name != EC_ALGORITHMS[name]:
                raise ConfigError(
                    f"{ENV_PREFIX}{variable} is on curve {key.curve.name}, "
                    f"but {name} needs {EC_ALGORITHMS[name]}"
                )


def _family(algorithm: str) -> str:
    if algorithm in HMAC_ALGORITHMS:
        return "HMAC"
    return "RSA" if algorithm in RSA_ALGORITHMS else "EC"


def _der(public_key: Any) -> bytes:
    return bytes(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def _pem_or_file(raw: str, variable: str) -> str:
    """PEM text as given, or the content of the file it names (so keys can stay out of env)."""
    text = raw.strip()
    if text.startswith("-----BEGIN"):
        return text
    path = Path(text).expanduser()
    try:
        content = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        raise ConfigError(
            f"{ENV_PREFIX}{variable} is neither PEM text nor a readable PEM file"
        ) from None
    if not content.startswith("-----BEGIN"):
        raise ConfigError(f"{ENV_PREFIX}{variable}: the file {path} does not hold a PEM key")
    return content


def _describe(exc: ValidationError) -> str:
    """One line naming the variable; pydantic's input echo is dropped (it may be a secret)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    field = str(error["loc"][0]).upper() if error["loc"] else "settings"
    return f"{ENV_PREFIX}{field}: {error['msg']}"


DEMO_MAX_TTL_SECONDS = 12 * 3600  # a demo token lasts a working day
# Variables that choose how tokens are signed: when none is set, `token` may use the demo's.
_KEY_VARIABLES = ("algorithms", "secret", "public_key", "private_key")


@lru_cache(maxsize=1)
def auth_settings() -> AuthSettings:
    """The configured token settings (environment variables `PERFEX_JWT_*`, or `.env`)."""
    return AuthSettings()


class _KeyChoice(BaseSettings):
    """Only whether any key variable is set (values unchecked): see `signing_settings`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    algorithms: str | None = None
    secret: str | None = None
    public_key: str | None = None
    private_key: str | None = None


def signing_keys_configured() -> bool:
    """Whether any of PERFEX_JWT_ALGORITHMS, SECRET, PUBLIC_KEY, PRIVATE_KEY is set."""
    choice = _KeyChoice()
    return any(getattr(choice, name) for name in _KEY_VARIABLES)


def signing_settings(database: URL) -> AuthSettings:
    """The settings `perfex-graph token` signs with: the configured `PERFEX_JWT_*`, or, when
    none of ALGORITHMS, SECRET, PUBLIC_KEY and PRIVATE_KEY is set, the settings of the demo
    `serve --demo` created on `database` (so demo tokens work out of the box)."""
    if signing_keys_configured():
        return auth_settings()
    path = demo_secret_path(database)
    if not path.exists():
        raise ConfigError(
            f"no signing key: set {ENV_PREFIX}SECRET (or {ENV_PREFIX}PRIVATE_KEY), or run "
            "`perfex-graph serve --demo` on this database first (it keeps a demo secret)"
        )
    return demo_auth_settings(path)


def demo_secret_path(database: URL) -> Path:
    """Where `serve --demo` keeps the secret of the demo on `database`: one file per database
    (the absolute path of an SQLite file, or the server and database name), in the user's
    state directory, so two checkouts never share (or overwrite) a secret."""
    if database.get_backend_name() == "sqlite" and database.database:
        name = Path(database.database).stem or "database"
        key = f"sqlite:{Path(database.database).resolve()}"
    else:
        name = database.database or "database"
        key = database.set(password=None).render_as_string(hide_password=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    safe_name = "".join(char if char.isalnum() or char in "-_" else "_" for char in name)[:40]
    return state_directory() / "demo-secrets" / f"{safe_name}-{digest}.secret"


def demo_auth_settings(secret_file: Path) -> AuthSettings:
    """HS256 settings for `serve --demo`, with a random secret kept in `secret_file` (0600).

    The secret is created once and reused, so demo tokens survive restarts; it is never
    hard-coded, so no two demo installations accept each other's tokens.
    """
    return AuthSettings(
        algorithms=("HS256",),
        secret=_demo_secret(Path(secret_file)),
        public_key=None,
        private_key=None,
        max_ttl_seconds=DEMO_MAX_TTL_SECONDS,
    )


def _demo_secret(path: Path) -> str:
    if not path.exists():
        try:
            _create_secret_file(path)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the demo secret {path}: {exc.strerror or exc}; "
                "set XDG_STATE_HOME to a writable directory"
            ) from None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise ConfigError(f"cannot read the demo secret {path}: {exc.strerror}") from None
    with os.fdopen(fd, encoding="ascii") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"the demo secret {path} is not a regular file")
        if os.name == "posix" and info.st_mode & 0o077:
            raise ConfigError(f"the demo secret {path} is readable by others: run chmod 600 {path}")
        secret = handle.read().strip()
    if len(secret.encode()) < HMAC_ALGORITHMS["HS256"]:
        raise ConfigError(f"the demo secret {path} is too short: delete it to get a new one")
    return secret


def _create_secret_file(path: Path) -> None:
    """Write to a private temp file, then link it into place: readers never see a half file.
    A directory this creates is private (0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):  # another process won the race: use theirs
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)


__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEMO_MAX_TTL_SECONDS",
    "ENV_PREFIX",
    "AuthSettings",
    "auth_settings",
    "demo_auth_settings",
    "demo_secret_path",
    "signing_keys_configured",
    "signing_settings",
]

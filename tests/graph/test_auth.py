"""Bearer tokens: every way a token can be wrong is one generic 401 decided before any SQL;
a valid token for a user who may not act in its organization is a 403 (security.md §F 45-52).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from cli.main import app
from graph.auth import (
    AuthError,
    Claims,
    Principal,
    authenticate,
    load_principal,
    mint_token,
    read_bearer,
    verify_token,
)
from models.core import Organization, OrganizationMember, User
from models.database import create_engine, session_factory
from models.migrate import upgrade_async
from settings import AuthSettings, ConfigError, auth_settings, demo_auth_settings

SECRET = secrets.token_urlsafe(48)  # 64 bytes, random per run
GENERIC_401 = AuthError("UNAUTHENTICATED", "test").message
DROP = object()  # marks a claim to leave out


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No PERFEX_JWT_* from the developer's shell, and no cached settings across tests."""
    for name in list(os.environ):
        if name.startswith("PERFEX_JWT_"):
            monkeypatch.delenv(name)
    auth_settings.cache_clear()
    yield
    auth_settings.cache_clear()


@dataclass
class Db:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    statements: list[str]
    org_a: str
    org_b: str
    active: str
    inactive: str
    outsider: str


@pytest.fixture(scope="module")
async def db(dialect: str, make_database: Callable[[str], URL]) -> AsyncIterator[Db]:
    """A private migrated database: two organizations, an admin of A, an inactive member of
    A, and a member of B only. Every SQL statement run afterwards is recorded."""
    url = make_database(dialect)
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    ids = [str(uuid.uuid4()) for _ in range(5)]
    org_a, org_b, active, inactive, outsider = ids
    now = dt.datetime.now(dt.UTC)
    async with sessions() as session, session.begin():
        session.add_all(
            [
                Organization(id=org_a, name="Clinic A", slug=f"a-{org_a}"),
                Organization(id=org_b, name="Clinic B", slug=f"b-{org_b}"),
                *(
                    User(id=uid, email=f"{uid}@example.test", password_hash="x", is_active=live)
                    for uid, live in ((active, True), (inactive, False), (outsider, True))
                ),
            ]
        )
        await session.flush()
        session.add_all(
            [
                OrganizationMember(
                    organization_id=org_a, user_id=active, role="admin", joined_at=now
                ),
                OrganizationMember(organization_id=org_a, user_id=inactive, joined_at=now),
                OrganizationMember(organization_id=org_b, user_id=outsider, joined_at=now),
            ]
        )
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield Db(engine, sessions, statements, org_a, org_b, active, inactive, outsider)
    await engine.dispose()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: Any) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def private_pem(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def hs() -> AuthSettings:
    return AuthSettings(secret=SECRET)


@pytest.fixture
def rs(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> AuthSettings:
    """RS256 with the public key given as a file path, the private key as PEM text."""
    path = tmp_path / "public.pem"
    path.write_text(public_pem(rsa_key))
    return AuthSettings(algorithms="RS256", public_key=str(path), private_key=private_pem(rsa_key))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def payload(db: Db, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "perfex-graph",
        "aud": "perfex-clinical-graph",
        "sub": db.active,
        "org": db.org_a,
        "roles": ["clinician"],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not DROP}


def signed(claims: dict[str, Any], key: Any = SECRET, alg: str = "HS256", **header: Any) -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"typ": "at+jwt", **header})


def hand_hmac(header: dict[str, Any], claims: dict[str, Any], key: bytes, alg: str) -> str:
    """HMAC-signed by hand: PyJWT refuses PEM keys as HMAC secrets, attackers do not."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), digest).digest())}"


async def rejected(
    db: Db, settings: AuthSettings, header: str | None, reason: str = "", code: str = ""
) -> AuthError:
    """Assert the header is refused with the generic error; 401s must run no SQL at all.

    `reason` (internal, never sent) pins down why, so a test cannot pass for the wrong cause.
    """
    db.statements.clear()
    with pytest.raises(AuthError) as info:
        await authenticate(header, db.sessions, settings)
    error = info.value
    assert not reason or error.reason == reason
    if code == "FORBIDDEN":
        assert (error.code, error.status, str(error)) == ("FORBIDDEN", 403, "Not allowed.")
    else:
        assert (error.code, error.status, str(error)) == ("UNAUTHENTICATED", 401, GENERIC_401)
        assert db.statements == []
    token = (header or "").removeprefix("Bearer ")
    assert not token or (token not in repr(error) and token not in str(error.args))
    return error


async def test_missing_header(db: Db, hs: AuthSettings) -> None:
    for header in (None, "", "   "):
        await rejected(db, hs, header)


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer",
        "Bearer ",
        "garbage",
        "Bearer not-a-jwt",
        "Bearer a.b",
        "Bearer a.b.c.d",
        "Bearer a b.c",
        "Bearer é.é.é",
        "Bearer " + "a" * 9000 + ".b.c",
    ],
)
async def test_malformed_header(db: Db, hs: AuthSettings, header: str) -> None:
    await rejected(db, hs, header)


async def test_other_scheme_with_a_valid_token(db: Db, hs: AuthSettings) -> None:
    await rejected(db, hs, f"Token {signed(payload(db))}")


async def test_valid_token_gives_principal(db: Db, hs: AuthSettings) -> None:
    token = signed(payload(db, roles=["clinician", "nurse"]))
    assert read_bearer(f"bearer {token}") == token  # the scheme is case-insensitive
    principal = await authenticate(f"Bearer {token}", db.sessions, hs)
    assert principal == Principal(db.active, db.org_a, ("clinician", "nurse"), "admin")


async def test_bad_signature(db: Db, hs: AuthSettings) -> None:
    await rejected(db, hs, f"Bearer {signed(payload(db), key=secrets.token_urlsafe(48))}")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param({"exp": int(time.time()) - 120}, "expired", id="expired"),
        pytest.param({"exp": DROP}, "invalid", id="missing-exp"),
        pytest.param({"iat": DROP}, "invalid", id="missing-iat"),
        pytest.param({"nbf": int(time.time()) + 600}, "invalid", id="nbf-future"),
        pytest.param({"iat": int(time.time()) + 600}, "invalid", id="iat-future"),
        pytest.param({"exp": int(time.time()) + 7200}, "ttl_too_long", id="ttl-over-max"),
        pytest.param({"exp": "tomorrow"}, "invalid", id="exp-not-a-number"),
    ],
)
async def test_time_claims(db: Db, hs: AuthSettings, changes: dict[str, Any], reason: str) -> None:
    await rejected(db, hs, f"Bearer {signed(payload(db, **changes))}", reason)


async def test_expiry_within_leeway_is_accepted(db: Db, hs: AuthSettings) -> None:
    token = signed(payload(db, iat=int(time.time()) - 600, exp=int(time.time()) - 5))
    assert (await authenticate(f"Bearer {token}", db.sessions, hs)).user_id == db.active


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"aud": "perfex-portal"}, id="other-audience"),
        pytest.param({"aud": DROP}, id="missing-audience"),
        pytest.param({"iss": "https://evil.example"}, id="other-issuer"),
        pytest.param({"iss": DROP}, id="missing-issuer"),
    ],
)
async def test_audience_and_issuer(db: Db, hs: AuthSettings, changes: dict[str, Any]) -> None:
    await rejected(db, hs, f"Bearer {signed(payload(db, **changes))}", "invalid")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
async def test_alg_none(db: Db, hs: AuthSettings, alg: str) -> None:
    token = f"{segment({'alg': alg, 'typ': 'at+jwt'})}.{segment(payload(db))}."
    await rejected(db, hs, f"Bearer {token}", "invalid")
    forged = f"{token}{b64(b'not-a-signature')}"
    await rejected(db, hs, f"Bearer {forged}", "invalid")


async def test_key_confusion_hs256_signed_with_rsa_public_key(
    db: Db, rs: AuthSettings, rsa_key: rsa.RSAPrivateKey
) -> None:
    header = {"alg": "HS256", "typ": "at+jwt"}
    for key in (public_pem(rsa_key), public_pem(rsa_key).strip()):
        token = hand_hmac(header, payload(db), key.encode(), "HS256")
        await rejected(db, rs, f"Bearer {token}", "invalid")
    token = mint_token(rs, user_id=db.active, organization_id=db.org_a, roles=["a"], ttl_seconds=60)
    assert (await authenticate(f"Bearer {token}", db.sessions, rs)).roles == ("a",)


async def test_algorithm_not_configured(
    db: Db, hs: AuthSettings, rsa_key: rsa.RSAPrivateKey
) -> None:
    await rejected(db, hs, f"Bearer {signed(payload(db), alg='HS512')}")
    await rejected(db, hs, f"Bearer {signed(payload(db), key=rsa_key, alg='RS256')}")


async def test_tampered_payload(db: Db, hs: AuthSettings) -> None:
    header, _, signature = signed(payload(db)).split(".")
    for changes in ({"org": db.org_b}, {"roles": ["admin"]}, {"sub": db.outsider}):
        await rejected(db, hs, f"Bearer {header}.{segment(payload(db, **changes))}.{signature}")


@pytest.mark.parametrize(
    "value",
    ["x'; RESET ALL; --", "' OR '1'='1", "1", 42, None, ["a"], "braced", "upper", "urn", "hex"],
)
@pytest.mark.parametrize("claim", ["sub", "org"])
async def test_non_uuid_ids_are_rejected_before_the_database(
    db: Db, hs: AuthSettings, claim: str, value: Any
) -> None:
    """Only canonical lowercase UUID text passes; other spellings of a real id do not."""
    real = uuid.UUID(db.active if claim == "sub" else db.org_a)
    spellings = {"braced": f"{{{real}}}", "upper": str(real).upper(), "urn": real.urn}
    # PyJWT itself refuses a `sub` that is not a string; every other case is ours.
    reason = "invalid" if claim == "sub" and not isinstance(value, str) else "bad_claims"
    if isinstance(value, str):
        value = {**spellings, "hex": real.hex}.get(value, value)
    await rejected(db, hs, f"Bearer {signed(payload(db, **{claim: value}))}", reason)


@pytest.mark.parametrize(
    "roles", [DROP, "admin", [1], ["a b"], ["x'; --"], [""], ["r"] * 33], ids=str
)
async def test_bad_roles_claim(db: Db, hs: AuthSettings, roles: Any) -> None:
    await rejected(db, hs, f"Bearer {signed(payload(db, roles=roles))}", "bad_claims")


@pytest.mark.parametrize(
    ("header", "claims", "reason"),
    [
        pytest.param({"typ": "portal"}, {}, "wrong_type", id="portal-token"),
        pytest.param({"typ": "JWT"}, {}, "wrong_type", id="generic-jwt"),
        pytest.param({"typ": None}, {}, "wrong_type", id="no-typ"),
        pytest.param({}, {"typ": "Refresh"}, "wrong_type", id="refresh-claim"),
        pytest.param({"jku": "https://evil.example/jwks.json"}, {}, "key_header", id="jku"),
        pytest.param({"x5u": "https://evil.example/cert.pem"}, {}, "key_header", id="x5u"),
        pytest.param({"jwk": {"kty": "oct", "k": b64(b"k" * 32)}}, {}, "key_header", id="jwk"),
    ],
)
async def test_token_type_and_key_headers(
    db: Db, hs: AuthSettings, header: dict[str, Any], claims: dict[str, Any], reason: str
) -> None:
    """Validly signed, but of another kind or asking to pick its own key: still refused."""
    await rejected(db, hs, f"Bearer {signed(payload(db, **claims), **header)}", reason)


@pytest.mark.parametrize("kid", ["../../dev/null", "' OR '1'='1", "unknown"])
async def test_kid_never_selects_a_key(db: Db, hs: AuthSettings, kid: str) -> None:
    """A forged token naming a key id is still checked against the configured key only."""
    forged = signed(payload(db), key=secrets.token_urlsafe(48), kid=kid)
    await rejected(db, hs, f"Bearer {forged}", "invalid")


@pytest.mark.parametrize("who", ["inactive", "outsider", "unknown", "other-org"])
async def test_valid_token_but_not_allowed(db: Db, hs: AuthSettings, who: str) -> None:
    user, org = {
        "inactive": (db.inactive, db.org_a),
        "outsider": (db.outsider, db.org_a),
        "unknown": (str(uuid.uuid4()), db.org_a),
        "other-org": (db.active, db.org_b),  # tenant spoofing with a real org id
    }[who]
    token = signed(payload(db, sub=user, org=org))
    error = await rejected(db, hs, f"Bearer {token}", "not_member", code="FORBIDDEN")
    assert len(db.statements) == 1
    assert user not in str(error) and org not in str(error)


async def test_load_principal_runs_exactly_one_statement(db: Db) -> None:
    claims = Claims(db.active, db.org_a, ("clinician",), int(time.time()) + 60)
    async with db.sessions() as session:
        db.statements.clear()
        principal = await load_principal(session, claims)
        assert len(db.statements) == 1
        db.statements.clear()
        with pytest.raises(AuthError):
            await load_principal(session, Claims(db.inactive, db.org_a, (), claims.expires_at))
        assert len(db.statements) == 1
    assert principal.membership_role == "admin"


def test_verify_token_returns_claims(hs: AuthSettings) -> None:
    user, org = str(uuid.uuid4()), str(uuid.uuid4())
    token = mint_token(hs, user_id=user, organization_id=org, roles=["nurse"], ttl_seconds=120)
    claims = verify_token(token, hs)
    assert (claims.user_id, claims.organization_id, claims.roles) == (user, org, ("nurse",))
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"


def test_es256_from_environment(
    monkeypatch: pytest.MonkeyPatch, ec_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    (tmp_path / "ec.pem").write_text(public_pem(ec_key))
    monkeypatch.setenv("PERFEX_JWT_ALGORITHMS", "es256")
    monkeypatch.setenv("PERFEX_JWT_PUBLIC_KEY", str(tmp_path / "ec.pem"))
    monkeypatch.setenv("PERFEX_JWT_PRIVATE_KEY", private_pem(ec_key))
    settings = auth_settings()
    assert settings.algorithms == ("ES256",)
    user, org = str(uuid.uuid4()), str(uuid.uuid4())
    token = mint_token(settings, user_id=user, organization_id=org, roles=[], ttl_seconds=60)
    assert verify_token(token, settings).user_id == user


def _settings_cases(rsa_key: Any, ec_key: Any) -> list[tuple[dict[str, Any], str]]:
    small_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (must be refused)
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    p384 = ec.generate_private_key(ec.SECP384R1())
    return [
        ({"algorithms": "HS256,RS256", "secret": SECRET}, "mixes HMAC and RSA"),
        ({"algorithms": ["HS256", "ES256"], "secret": SECRET}, "mixes EC and HMAC"),
        ({"algorithms": "RS256,ES256", "public_key": public_pem(rsa_key)}, "mixes EC and RSA"),
        ({"algorithms": "none"}, "'none' is not allowed"),
        ({"algorithms": ""}, "is not allowed"),
        ({"algorithms": "[]"}, "at least one algorithm"),
        ({}, "SECRET is required"),
        ({"secret": "s" * 31}, "at least 32 bytes"),
        ({"algorithms": "HS512", "secret": "s" * 48}, "at least 64 bytes"),
        ({"secret": public_pem(rsa_key)}, "looks like a PEM key"),
        ({"secret": SECRET, "public_key": public_pem(rsa_key)}, "PUBLIC_KEY/PRIVATE_KEY are set"),
        ({"algorithms": "RS256"}, "PUBLIC_KEY (PEM text or a path"),
        ({"algorithms": "RS256", "public_key": "/no/such/key.pem"}, "neither PEM text nor"),
        ({"algorithms": "RS256", "public_key": "-----BEGIN garbage"}, "not a PEM public key"),
        ({"algorithms": "RS256", "public_key": public_pem(ec_key)}, "not an RSA key"),
        ({"algorithms": "RS256", "public_key": public_pem(small_rsa)}, "1024-bit RSA key"),
        ({"algorithms": "ES256", "public_key": public_pem(p384)}, "needs secp256r1"),
        ({"algorithms": "ES256", "public_key": public_pem(rsa_key)}, "not an EC key"),
        (
            {"algorithms": "RS256", "public_key": public_pem(rsa_key), "secret": SECRET},
            "SECRET is set",
        ),
        (
            {
                "algorithms": "RS256",
                "public_key": public_pem(rsa_key),
                "private_key": private_pem(other_rsa),
            },
            "does not match",
        ),
        ({"secret": SECRET, "leeway_seconds": 301}, "LEEWAY_SECONDS: Input should be less"),
        ({"secret": SECRET, "max_ttl_seconds": 10**6}, "MAX_TTL_SECONDS"),
        ({"secret": SECRET, "issuer": ""}, "ISSUER"),
    ]


def test_settings_validation(rsa_key: rsa.RSAPrivateKey, ec_key: Any) -> None:
    for values, message in _settings_cases(rsa_key, ec_key):
        with pytest.raises(ConfigError, match=re.escape(message)) as info:
            AuthSettings(**values)
        assert "\n" not in str(info.value)
        assert SECRET not in str(info.value) and "s" * 31 not in str(info.value)


def test_settings_errors_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFEX_JWT_SECRET", "too-short")
    with pytest.raises(ConfigError, match="PERFEX_JWT_SECRET is too short") as info:
        auth_settings()
    assert "too-short" not in str(info.value)


def test_mint_token_refuses_bad_input(hs: AuthSettings, rsa_key: rsa.RSAPrivateKey) -> None:
    user, org = str(uuid.uuid4()), str(uuid.uuid4())
    bad: list[dict[str, Any]] = [
        {"ttl_seconds": 3601},
        {"ttl_seconds": 0},
        {"user_id": "' OR 1=1 --"},
        {"organization_id": org.upper()},
        {"roles": ["two words"]},
    ]
    for changes in bad:
        arguments = {"user_id": user, "organization_id": org, "roles": ["a"], "ttl_seconds": 60}
        with pytest.raises(ValueError):
            mint_token(hs, **{**arguments, **changes})
    verify_only = AuthSettings(algorithms="RS256", public_key=public_pem(rsa_key))
    with pytest.raises(ConfigError, match="PERFEX_JWT_PRIVATE_KEY"):
        mint_token(verify_only, user_id=user, organization_id=org, roles=[], ttl_seconds=60)


def test_demo_secret_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "demo" / ".perfex-demo-secret"
    first = demo_auth_settings(path)
    assert path.stat().st_mode & 0o777 == 0o600
    user, org = str(uuid.uuid4()), str(uuid.uuid4())
    token = mint_token(first, user_id=user, organization_id=org, roles=[], ttl_seconds=60)
    assert verify_token(token, demo_auth_settings(path)).user_id == user
    assert demo_auth_settings(tmp_path / "other").secret != first.secret
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind

    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        demo_auth_settings(path)
    link = tmp_path / "link"
    link.symlink_to(path)
    with pytest.raises(ConfigError, match="cannot read"):
        demo_auth_settings(link)


def test_cli_token_prints_only_a_verifiable_token() -> None:
    user, org = str(uuid.uuid4()), str(uuid.uuid4())
    arguments = ["token", "--user", user, "--org", org, "--roles", "clinician, nurse"]
    result = CliRunner().invoke(
        app, [*arguments, "--ttl", "300"], env={"PERFEX_JWT_SECRET": SECRET}
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stderr == ""
    claims = verify_token(result.stdout.strip(), AuthSettings(secret=SECRET))
    assert (claims.user_id, claims.organization_id) == (user, org)
    assert claims.roles == ("clinician", "nurse")
    assert claims.expires_at - int(time.time()) <= 300


@pytest.mark.parametrize(
    ("arguments", "env", "message"),
    [
        (["--user", "U", "--org", "O"], {}, "PERFEX_JWT_SECRET is required"),
        (["--user", "not-a-uuid", "--org", "O"], {"PERFEX_JWT_SECRET": SECRET}, "user id"),
        (["--ttl", "999999"], {"PERFEX_JWT_SECRET": SECRET}, "ttl must be between"),
        (["--roles", "a;b"], {"PERFEX_JWT_SECRET": SECRET}, "roles must be"),
        ([], {"PERFEX_JWT_ALGORITHMS": "RS256,HS256"}, "mixes HMAC and RSA"),
    ],
)
def test_cli_token_errors(arguments: list[str], env: dict[str, str], message: str) -> None:
    ids = {"U": str(uuid.uuid4()), "O": str(uuid.uuid4())}
    defaults = ["--user", ids["U"], "--org", ids["O"]]
    argv = ["token", *defaults, *(ids.get(a, a) for a in arguments)]
    result = CliRunner().invoke(app, argv, env=env)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr and result.stderr.count("\n") == 1

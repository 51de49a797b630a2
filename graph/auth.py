"""Who is calling: the bearer token, verified, then checked against the database.

The tenant comes only from the verified token; nothing the client sends besides it is trusted.
Every token failure is the same 401 with the same message (no oracle for attackers, nothing of
the token echoed back); a valid token for a user who may not act in its organization is 403.
Ids are checked to be UUIDs before any SQL runs, and no header (kid, jku, x5u) selects a key.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import jwt
from sqlalchemy import Select, and_, bindparam, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graph.errors import ErrorCode
from models.core import OrganizationMember, User
from models.patient_portal import PortalAccount
from models.tenancy import KEPT_STATEMENT
from settings import AuthSettings, ConfigError

# RFC 9068 access token type; portal, refresh or ID tokens carry another typ and are refused.
TOKEN_TYPE = "at+jwt"  # noqa: S105 (a token type, not a password)
ACCEPTED_TYPES = frozenset({TOKEN_TYPE, f"application/{TOKEN_TYPE}"})
# Headers that would let a token choose its own key, or demand extensions: refused outright.
REFUSED_HEADERS = frozenset({"jku", "jwk", "x5u", "x5c", "crit"})
MAX_TOKEN_LENGTH = 8192
MAX_ROLES = 32
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]

_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ROLE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,63}")

AuthErrorCode = Literal[ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN]
_MESSAGES: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.UNAUTHENTICATED: (401, "Authentication required."),
    ErrorCode.FORBIDDEN: (403, "Not allowed."),
}


class AuthError(Exception):
    """Authentication failed. `message` is generic and safe to return to the client.

    `reason` is a fixed internal label (e.g. "expired") for logs and audit only; it never
    contains token content and must not be sent to the client.
    """

    def __init__(self, code: AuthErrorCode, reason: str) -> None:
        self.code: AuthErrorCode = code
        self.status, self.message = _MESSAGES[code]
        self.reason = reason
        super().__init__(self.message)


def _unauthenticated(reason: str) -> AuthError:
    return AuthError(ErrorCode.UNAUTHENTICATED, reason)


def _forbidden(reason: str) -> AuthError:
    return AuthError(ErrorCode.FORBIDDEN, reason)


@dataclass(frozen=True)
class Claims:
    """The verified claims this API uses."""

    user_id: str
    organization_id: str
    roles: tuple[str, ...]
    expires_at: int


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user acting in one organization."""

    user_id: str
    organization_id: str
    roles: tuple[str, ...]
    membership_role: str
    # A patient signed in to the portal: the one patient whose rows it may read
    # (models/patient_scope.py); None for staff.
    patient_id: str | None = None


# Roles that read beyond one patient: a token holding any of them is not patient-bound.
STAFF_ROLES = frozenset({"admin", "physician", "nurse", "analyst"})


def is_patient_only(roles: Sequence[str]) -> bool:
    """The token's access comes from the `patient` role alone (graph/permissions.py)."""
    return "patient" in roles and STAFF_ROLES.isdisjoint(roles)


def portal_patient_statement(principal: Principal) -> Select[Any]:
    """The patient of the user's active portal account in the organization: the account
    whose e-mail is the user's (case-insensitive; unique per organization)."""
    return (
        select(PortalAccount.patient_id)
        .join(User, func.lower(User.email) == func.lower(PortalAccount.email))
        .where(User.id == principal.user_id, PortalAccount.status == "active")
        .limit(2)
    )


def bound_to_patient(principal: Principal, patient_ids: Sequence[str]) -> Principal:
    """The principal of a patient-only token, bound to its one patient (403 without)."""
    if len(patient_ids) != 1:
        raise _forbidden("no_portal_account")
    return replace(principal, patient_id=patient_ids[0])


def read_bearer(authorization_header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, shape-checked only."""
    if not authorization_header:
        raise _unauthenticated("missing")
    if len(authorization_header) > MAX_TOKEN_LENGTH + 16:
        raise _unauthenticated("malformed")
    scheme, _, token = authorization_header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _COMPACT_JWS.fullmatch(token):
        raise _unauthenticated("malformed")
    return token


def verify_token(token: str, settings: AuthSettings) -> Claims:
    """Verify signature, algorithm, type, time, issuer and audience; then the claim shapes."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise _unauthenticated("malformed")
    try:
        decoded = jwt.decode_complete(
            token,
            key=settings.verification_key,
            algorithms=list(settings.algorithms),
            audience=settings.audience,
            issuer=settings.issuer,
            leeway=settings.leeway_seconds,
            options={
                "require": REQUIRED_CLAIMS,
                "verify_signature": True,
                "verify_exp": True,
                "verify_nbf": True,
                "verify_iat": True,
                "verify_aud": True,
                "verify_iss": True,
            },
        )
    except jwt.ExpiredSignatureError:
        raise _unauthenticated("expired") from None
    except (jwt.PyJWTError, ValueError, TypeError):
        raise _unauthenticated("invalid") from None
    _check_header(decoded["header"])
    return _claims(decoded["payload"], settings)


def _check_header(header: dict[str, Any]) -> None:
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYPES:
        raise _unauthenticated("wrong_type")
    if REFUSED_HEADERS & header.keys():
        raise _unauthenticated("key_header")


def _claims(payload: dict[str, Any], settings: AuthSettings) -> Claims:
    typ = payload.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYPES):
        raise _unauthenticated("wrong_type")
    user_id, organization_id = payload.get("sub"), payload.get("org")
    if not _is_uuid(user_id) or not _is_uuid(organization_id):
        raise _unauthenticated("bad_claims")
    roles = payload.get("roles")
    if (
        not isinstance(roles, list)
        or len(roles) > MAX_ROLES
        or not all(isinstance(role, str) and _ROLE.fullmatch(role) for role in roles)
    ):
        raise _unauthenticated("bad_claims")
    issued_at, expires_at = payload["iat"], payload["exp"]
    if not isinstance(issued_at, int) or not isinstance(expires_at, int):
        raise _unauthenticated("bad_claims")
    if expires_at - issued_at > settings.max_ttl_seconds:
        raise _unauthenticated("ttl_too_long")
    return Claims(
        user_id=str(user_id),
        organization_id=str(organization_id),
        roles=tuple(dict.fromkeys(roles)),
        expires_at=expires_at,
    )


def _is_uuid(value: object) -> bool:
    """Canonical lowercase UUID text, exactly as ids are stored."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


# Built once: only the two ids change between requests.
_MEMBERSHIP = (
    select(OrganizationMember.role)
    .select_from(User)
    .join(
        OrganizationMember,
        and_(
            OrganizationMember.user_id == User.id,
            OrganizationMember.organization_id == bindparam("member_organization"),
        ),
    )
    .where(User.id == bindparam("member_user"), User.is_active.is_(true()))
    .limit(1)
    .execution_options(**{KEPT_STATEMENT: True})  # built (and scoped) once, run per request
)


def membership_statement(claims: Claims) -> tuple[Select[Any], dict[str, Any]]:
    """The member's role in the token's organization, if the user exists and is active: the
    statement, and the parameters of these claims."""
    return _MEMBERSHIP, {
        "member_organization": claims.organization_id,
        "member_user": claims.user_id,
    }


def principal_of(claims: Claims, membership_role: str | None) -> Principal:
    """The principal of verified claims and the membership found for them (403 without)."""
    if membership_role is None:
        raise _forbidden("not_member")
    return Principal(
        user_id=claims.user_id,
        organization_id=claims.organization_id,
        roles=claims.roles,
        membership_role=membership_role,
    )


async def load_principal(session: AsyncSession, claims: Claims) -> Principal:
    """One statement: the user exists, is active, and is a member of the token's organization."""
    role = (await session.execute(*membership_statement(claims))).scalar_one_or_none()
    return principal_of(claims, role)


async def authenticate(
    authorization_header: str | None,
    sessions: async_sessionmaker[AsyncSession],
    settings: AuthSettings,
) -> Principal:
    """Header to Principal. Database errors propagate: an outage is not a 401."""
    claims = verify_token(read_bearer(authorization_header), settings)
    async with sessions() as session:
        return await load_principal(session, claims)


def mint_token(
    settings: AuthSettings,
    *,
    user_id: str,
    organization_id: str,
    roles: Sequence[str],
    ttl_seconds: int,
) -> str:
    """A signed access token that verify_token accepts (for the CLI and tests).

    Raises ValueError for bad input and ConfigError when this process holds no signing key.
    """
    if not _is_uuid(user_id):
        raise ValueError("the user id must be a lowercase UUID")
    if not _is_uuid(organization_id):
        raise ValueError("the organization id must be a lowercase UUID")
    roles = list(roles)
    if len(roles) > MAX_ROLES or not all(_ROLE.fullmatch(role) for role in roles):
        raise ValueError(
            f"roles must be at most {MAX_ROLES} names of letters, digits, _ . : - "
            "starting with a letter"
        )
    if not 0 < ttl_seconds <= settings.max_ttl_seconds:
        raise ValueError(
            f"ttl must be between 1 and {settings.max_ttl_seconds} seconds "
            "(PERFEX_JWT_MAX_TTL_SECONDS)"
        )
    if settings.signing_key is None:
        raise ConfigError(
            f"minting {settings.algorithms[0]} tokens needs PERFEX_JWT_PRIVATE_KEY "
            "(PEM text or a path to a PEM file)"
        )
    now = int(time.time())
    payload = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": user_id,
        "org": organization_id,
        "roles": roles,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(
        payload,
        settings.signing_key,
        algorithm=settings.algorithms[0],
        headers={"typ": TOKEN_TYPE},
    )


__all__ = [
    "AuthError",
    "Claims",
    "Principal",
    "authenticate",
    "load_principal",
    "mint_token",
    "read_bearer",
    "verify_token",
]

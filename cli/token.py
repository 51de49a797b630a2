"""`perfex-graph token`: mint an access token for a user in an organization.

For operators and tests holding the signing key (PERFEX_JWT_SECRET or PERFEX_JWT_PRIVATE_KEY),
and for the demo: without those settings, the secret `serve --demo` keeps for the database at
DATABASE_URL is used. Only the token goes to stdout, so `TOKEN=$(perfex-graph token ...)`
works; errors go to stderr, as one line.

`--user` is an e-mail, a user's global ID (as the API shows it) or raw UUID; `--org` a slug,
a name, a global ID or a raw UUID. Both are looked up in the database at DATABASE_URL, and the
user must be an active member of the organization. Two raw UUIDs are used as given, with no
database lookup (for minting where the database is not reachable); then only PERFEX_JWT_*
signs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import typer
from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from cli.database import KNOWN_ERRORS, describe_error, open_database, run
from cli.output import fail
from graph import ids
from graph.auth import mint_token
from models.core import Organization, OrganizationMember, User
from models.database import create_engine, session_factory
from settings import (
    AuthSettings,
    ConfigError,
    auth_settings,
    database_url,
    describe,
    signing_keys_configured,
    signing_settings,
)
from settings.database import migration_database_url


class NotFound(Exception):
    """--user or --org names nothing (or more than one thing) that may get a token."""


TOKEN_ERRORS: tuple[type[Exception], ...] = (*KNOWN_ERRORS, NotFound, ValueError)


@dataclass(frozen=True)
class Wanted:
    """What an option asks for: a row id (`by="id"`) or the text to match (e-mail, slug/name)."""

    value: str
    by: str  # "id", "email" or "name"
    given: str


def _uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _global_id(text: str, option: str, expected: str) -> str | None:
    """The row id of a global ID of `expected`; None when `text` is not a global ID."""
    try:
        type_name, row_id = ids.decode(text)
    except ids.InvalidId:
        return None
    if type_name != expected:
        raise NotFound(f"{option} {text} is a global ID of type {type_name}, not {expected}")
    return row_id


def parse_user(text: str) -> Wanted:
    given = text.strip()
    if "@" in given:
        return Wanted(given, "email", given)
    row_id = _uuid(given) or _global_id(given, "--user", "User")
    if row_id is None:
        raise NotFound(
            f"--user {given!r} is neither an e-mail, a user id (UUID) nor a User global ID"
        )
    return Wanted(row_id, "id", given)


def parse_org(text: str) -> Wanted:
    given = text.strip()
    if not given:
        raise NotFound("--org is empty: give a slug, a name, a global ID or a UUID")
    row_id = _uuid(given) or _global_id(given, "--org", "Organization")
    return Wanted(row_id, "id", given) if row_id else Wanted(given, "name", given)


async def _find_user(session: AsyncSession, wanted: Wanted, where: str) -> User:
    if wanted.by == "email":
        condition = func.lower(User.email) == wanted.value.lower()
    else:
        condition = User.id == wanted.value
    found = list((await session.scalars(select(User).where(condition).limit(2))).all())
    if not found:
        what = "e-mail" if wanted.by == "email" else "id"
        raise NotFound(f"no user with {what} {wanted.given} in the database at {where}")
    if len(found) > 1:
        raise NotFound(f"more than one user has the e-mail {wanted.given}: use the user's ID")
    if not found[0].is_active:
        raise NotFound(f"the user {found[0].email} is not active: the API refuses its tokens")
    return found[0]


async def _find_org(session: AsyncSession, wanted: Wanted, where: str) -> Organization:
    if wanted.by == "id":
        found = await session.get(Organization, wanted.value)
        if found is None:
            raise NotFound(f"no organization with id {wanted.given} in the database at {where}")
        return found
    by_slug = await session.scalar(select(Organization).where(Organization.slug == wanted.value))
    if by_slug is not None:
        return by_slug
    named = list(
        (
            await session.scalars(
                select(Organization)
                .where(func.lower(Organization.name) == wanted.value.lower())
                .order_by(Organization.slug)
            )
        ).all()
    )
    if not named:
        raise NotFound(
            f"no organization with slug or name {wanted.given!r} in the database at {where}"
        )
    if len(named) > 1:
        slugs = ", ".join(org.slug for org in named)
        raise NotFound(
            f"{len(named)} organizations are named {wanted.given!r} (slugs {slugs}): "
            "give the slug instead"
        )
    return named[0]


async def resolve(url: URL, user: Wanted, org: Wanted) -> tuple[str, str]:
    """(user id, organization id) of an active member, or NotFound saying what is wrong."""
    where = describe(url)
    engine = create_engine(url, system=True)
    try:
        async with session_factory(engine)() as session:
            found_user = await _find_user(session, user, where)
            found_org = await _find_org(session, org, where)
            membership = await session.scalar(
                select(OrganizationMember.id).where(
                    OrganizationMember.user_id == found_user.id,
                    OrganizationMember.organization_id == found_org.id,
                )
            )
            if membership is None:
                slugs = (
                    await session.scalars(
                        select(Organization.slug)
                        .join(
                            OrganizationMember,
                            OrganizationMember.organization_id == Organization.id,
                        )
                        .where(OrganizationMember.user_id == found_user.id)
                        .order_by(Organization.slug)
                        .limit(6)
                    )
                ).all()
                elsewhere = (
                    f"member of {', '.join(slugs[:5])}{', ...' if len(slugs) > 5 else ''}"
                    if slugs
                    else "member of no organization"
                )
                raise NotFound(
                    f"{found_user.email} is not a member of the organization {found_org.slug} "
                    f"(but a {elsewhere})"
                )
            return str(found_user.id), str(found_org.id)
    finally:
        await engine.dispose()


def _configured_settings() -> AuthSettings:
    """PERFEX_JWT_* only: raw UUIDs are not looked up, so no demo database (or secret) is."""
    try:
        return auth_settings()
    except ConfigError as exc:
        if signing_keys_configured():
            raise
        raise ConfigError(
            f"{exc} (with two raw UUIDs nothing is looked up and the demo's secret is not "
            "used: give the user's e-mail or global ID instead)"
        ) from None


def token(
    user: str = typer.Option(
        ..., "--user", metavar="EMAIL|ID", help="The user: e-mail, global ID or UUID."
    ),
    org: str = typer.Option(
        ...,
        "--org",
        metavar="SLUG|NAME|ID",
        help="The organization: slug, name, global ID or UUID.",
    ),
    roles: str = typer.Option(
        "clinician", "--roles", metavar="ROLES", help="Roles in the token, comma-separated."
    ),
    ttl: int = typer.Option(3600, "--ttl", metavar="SECONDS", help="Lifetime in seconds."),
) -> None:
    """Print a signed access token for a user in an organization (looked up in DATABASE_URL)."""
    try:
        role_list = [role.strip() for role in roles.split(",") if role.strip()]
        user_id, organization_id = _uuid(user.strip()), _uuid(org.strip())
        if user_id and organization_id:  # exactly these ids: no lookup, configured keys only
            settings = _configured_settings()
        else:
            wanted_user, wanted_org = parse_user(user), parse_org(org)
            url = database_url()
            if signing_keys_configured():
                auth_settings()  # a mistake in PERFEX_JWT_* first: it is not about the database
            owner = migration_database_url(url)  # look-ups across organizations: the owner
            open_database(owner, must_exist=True, migrated=True)
            settings = signing_settings(url)
            user_id, organization_id = run(resolve(owner, wanted_user, wanted_org))
        value = mint_token(
            settings,
            user_id=user_id,
            organization_id=organization_id,
            roles=role_list,
            ttl_seconds=ttl,
        )
    except TOKEN_ERRORS as exc:
        raise fail(describe_error(exc)) from None
    typer.echo(value)

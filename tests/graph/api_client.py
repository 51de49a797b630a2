"""Driving the app in tests: `Api`, the factory behind the `api` fixture (conftest.py), and the
`Client` it returns.

One way only: httpx's AsyncClient over its ASGI transport, in the test's own event loop, after
the app's lifespan has run (the app creates its engine there). Each database gets one app per
test module, shared by every client of that database; the fixture closes them all at the end.

    client = await api(migrated_url)                    # a member of a new organization
    client = await api(seeded_url, org=1)               # a member of the 2nd seeded organization
    client = await api(url, org=org_id, user=user_id)   # exactly these ids, no database lookup
    client = await api(url, token=None)                 # no Authorization header at all
    body = await client.query("{ me { roles } }")       # the JSON body
    data = await client.data("{ me { roles } }")        # 200 without errors, then its `data`
    response = await client.post("{ me { roles } }")    # the raw response (status, headers)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import event, select, true
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from graph.app import create_app
from graph.auth import mint_token
from models.core import Organization, OrganizationMember, User
from models.database import session_factory
from models.patient_portal import PortalAccount
from settings import AuthSettings

DEFAULT_ROLES = ("physician",)
TOKEN_TTL_SECONDS = 900


class Token(enum.Enum):
    MINTED = "minted"  # the default: a token minted for the client's member


MINTED = Token.MINTED


@dataclass(frozen=True)
class Client:
    """An in-process client of one app. `user_id` and `organization_id` are the member its token
    names (raw ids); both are None when it sends a raw token or none."""

    app: ASGIApp
    http: httpx.AsyncClient  # sends the client's Authorization header by default
    user_id: str | None = None
    organization_id: str | None = None
    roles: tuple[str, ...] = ()
    token: str | None = None
    patient_id: str | None = None  # the portal patient a `patient` client is bound to

    @property
    def engine(self) -> AsyncEngine:
        """The app's own engine (plain, not scoped to a tenant)."""
        return self.app.state.engine  # type: ignore[attr-defined, no-any-return]

    async def post(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a GraphQL request to /graphql; `headers` add to (or replace) the client's."""
        body: dict[str, Any] = {"query": document, "variables": variables or {}}
        if operation_name is not None:
            body["operationName"] = operation_name
        return await self.http.post("/graphql", json=body, headers=headers)

    async def query(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        status: int | None = None,
    ) -> dict[str, Any]:
        """The JSON body of a GraphQL request; asserts its HTTP status when `status` is given."""
        response = await self.post(document, variables, operation_name)
        if status is not None:
            assert response.status_code == status, f"{response.status_code} {response.text}"
        return response.json()  # type: ignore[no-any-return]

    async def data(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """The `data` of a request that must succeed (HTTP 200) without errors."""
        body = await self.query(document, variables, operation_name, status=200)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


class Api:
    """`await api(database, ...)`: a Client of the app on `database` (see `__call__`)."""

    def __init__(self, auth: AuthSettings, stack: contextlib.AsyncExitStack) -> None:
        self.auth = auth  # the settings every app of this factory verifies tokens with
        self._stack = stack
        self._apps: dict[object, ASGIApp] = {}

    async def __call__(
        self,
        database: URL | None = None,
        *,
        org: int | str | None = None,
        user: str | None = None,
        roles: Sequence[str] = DEFAULT_ROLES,
        token: str | Token | None = MINTED,
        app: ASGIApp | None = None,
        raise_app_exceptions: bool = True,
    ) -> Client:
        """A client of the app on `database`, signed in with a token of `roles` for:

        - `org=None`: the member of a new organization (a new user and membership);
        - `org=n`: a member of the n-th organization by id, who belongs to no other;
        - `org="<id>"`: such a member of that organization, or `user="<id>"` as given (no
          database lookup: the database may be down, the membership may not exist).

        `token="<text>"` sends that Authorization bearer token as is, `token=None` sends none;
        neither creates nor looks up anyone. `app=` drives another ASGI app instead of
        `database`'s (no one signed in). With `raise_app_exceptions=False` an exception escaping
        the app becomes a 500 response, as a real server would send.
        """
        if (database is None) == (app is None):
            raise ValueError("give a database or an app")
        if user is not None and not isinstance(org, str):
            raise ValueError("user= needs org= as an organization id")
        target = await self._app(app) if app is not None else await self._clinical_app(database)
        user_id = organization_id = None
        if token is MINTED and app is None:
            user_id, organization_id = await self._member(target, org, user)
            token = mint_token(
                self.auth,
                user_id=user_id,
                organization_id=organization_id,
                roles=roles,
                ttl_seconds=TOKEN_TTL_SECONDS,
            )
        elif org is not None or user is not None:
            raise ValueError("org= and user= go with a minted token")
        token = None if token is MINTED else token
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=target, raise_app_exceptions=raise_app_exceptions),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {token}"} if token is not None else None,
        )
        await self._stack.enter_async_context(http)
        return Client(
            target, http, user_id, organization_id, tuple(roles) if user_id else (), token
        )

    async def patient(
        self, database: URL, org: int | None = None, *, roles: Sequence[str] = ("patient",)
    ) -> Client:
        """A portal patient of the `org`-th organization (default: the first one that has an
        active portal account): the user whose e-mail is that of an active portal account
        there (made a member of the organization, created if need be), signed in with `roles`.
        `client.patient_id` is the account's patient (raw id)."""
        app = await self._clinical_app(database)
        engine: AsyncEngine = app.state.engine  # type: ignore[attr-defined]
        user_id, organization_id, patient_id = await _portal_member(engine, org)
        client = await self(database, org=organization_id, user=user_id, roles=roles)
        return dataclasses.replace(client, patient_id=patient_id)

    async def _clinical_app(self, database: URL | None) -> ASGIApp:
        assert database is not None
        key = database.render_as_string(hide_password=False)
        if key not in self._apps:
            self._apps[key] = await self._app(create_app(database_url=database, auth=self.auth))
        return self._apps[key]

    async def _app(self, app: ASGIApp) -> ASGIApp:
        """The app with its lifespan entered (once per app)."""
        if id(app) not in self._apps:
            router = getattr(app, "router", None)
            if router is not None:
                await self._stack.enter_async_context(router.lifespan_context(app))
            self._apps[id(app)] = app
        return app

    async def _member(
        self, app: ASGIApp, org: int | str | None, user: str | None
    ) -> tuple[str, str]:
        """(user id, organization id) of the member to sign in as."""
        if isinstance(org, str) and user is not None:
            return user, org
        engine: AsyncEngine = app.state.engine  # type: ignore[attr-defined]
        if org is None:
            return await _new_member(engine)
        async with engine.connect() as conn:
            if isinstance(org, int):
                ids = select(Organization.id).order_by(Organization.id).offset(org).limit(1)
                found = await conn.scalar(ids)
                if found is None:
                    raise LookupError(f"the database has no organization #{org}")
                org = str(found)
            elsewhere = select(OrganizationMember.user_id).where(
                OrganizationMember.organization_id != org
            )
            member = await conn.scalar(
                select(User.id)
                .join(OrganizationMember, OrganizationMember.user_id == User.id)
                .where(
                    OrganizationMember.organization_id == org,
                    User.is_active.is_(true()),
                    User.id.not_in(elsewhere),
                )
                .order_by(User.id)
                .limit(1)
            )
        if member is None:
            raise LookupError(f"organization {org} has no active member of its own")
        return str(member), org


async def _new_member(engine: AsyncEngine) -> tuple[str, str]:
    """A new organization, a new user and the user's membership: (user id, organization id)."""
    organization_id, user_id = str(uuid.uuid4()), str(uuid.uuid4())
    async with session_factory(engine)() as session, session.begin():
        session.add_all(
            [
                Organization(
                    id=organization_id,
                    name=f"Clinic {organization_id[:8]}",
                    slug=f"clinic-{organization_id}",
                ),
                User(id=user_id, email=f"{user_id}@example.test", password_hash="x"),
            ]
        )
        await session.flush()
        session.add(
            OrganizationMember(
                organization_id=organization_id,
                user_id=user_id,
                role="member",
                joined_at=dt.datetime.now(dt.UTC),
            )
        )
    return user_id, organization_id


async def _portal_member(engine: AsyncEngine, org: int | None) -> tuple[str, str, str]:
    """(user id, organization id, patient id) of an active portal account of the `org`-th
    organization (or of any), whose e-mail is given to a user who is a member there."""
    async with session_factory(engine)() as session, session.begin():
        accounts = select(
            PortalAccount.email, PortalAccount.patient_id, PortalAccount.organization_id
        ).where(PortalAccount.status == "active", PortalAccount.deleted_at.is_(None))
        if org is not None:
            nth = select(Organization.id).order_by(Organization.id).offset(org).limit(1)
            accounts = accounts.where(PortalAccount.organization_id == nth.scalar_subquery())
        account = (
            await session.execute(
                accounts.order_by(PortalAccount.organization_id, PortalAccount.id).limit(1)
            )
        ).one_or_none()
        if account is None:
            raise LookupError(f"organization #{org} has no active portal account")
        email, patient_id, organization_id = account
        user_id = await session.scalar(select(User.id).where(User.email == email))
        if user_id is None:
            user_id = str(uuid.uuid4())
            session.add(User(id=user_id, email=email, password_hash="x"))
            await session.flush()
        member = await session.scalar(
            select(OrganizationMember.id).where(
                OrganizationMember.user_id == user_id,
                OrganizationMember.organization_id == organization_id,
            )
        )
        if member is None:
            session.add(
                OrganizationMember(
                    organization_id=organization_id,
                    user_id=user_id,
                    role="member",
                    joined_at=dt.datetime.now(dt.UTC),
                )
            )
    return str(user_id), str(organization_id), str(patient_id)


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any

    def __contains__(self, text: str) -> bool:  # `"dialyse_sessions" in statement`
        return text in self.sql


AUDIT_WRITE = "INSERT INTO audit_events"


@contextlib.contextmanager
def statements(client: Client, *, audit: bool = False) -> Iterator[list[Statement]]:
    """The SQL statements (with their parameters) the client's app runs in the block; without
    `audit`, not the request's audit write (graph/audit/trail.py), which every request that
    reads patient data adds once, so that counts are those of the query itself."""
    seen: list[Statement] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_args: Any) -> None:
        if audit or not sql.lstrip().startswith(AUDIT_WRITE):
            seen.append(Statement(sql, parameters))

    target = client.engine.sync_engine
    event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", record)


def post_scope(headers: Sequence[tuple[bytes, bytes]]) -> dict[str, Any]:
    """The ASGI scope of `POST /graphql` with these headers, for tests that drive the app's
    `receive`/`send` themselves (a body in chunks, a client that goes away)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": list(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

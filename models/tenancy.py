"""The tenant filter: the one place that restricts reads to one organization.

Sessions made by `tenant_session_factory` carry an organization in `session.info`; every ORM
SELECT they run gets, through `with_loader_criteria`, `organization_id = :org` on every
organization-scoped entity, `deleted_at IS NULL` on soft-deletable ones, membership of the
organization on `users`, and `id = :org` on `organizations`. The criteria reach subqueries,
relationship loads and aliased entities alike. A tenant session without an organization
refuses to run (fail closed); system work (migrations, seeding, sign-in) uses plain sessions.

Covered, besides the criteria:

- `session.execute()` runs ORM SELECTs only. Anything else is refused: `text()`, Core
  statements on plain `Table`s (no ORM entity, so no criteria), `from_statement()`, and ORM
  INSERT/UPDATE/DELETE statements (bulk or upsert writes that no flush check sees).
- SQL sent on the connection a tenant session checked out (`session.connection()`,
  `exec_driver_sql`) is refused unless it is an ORM SELECT that went through the criteria
  above, a statement of the session's own flush, or a SAVEPOINT.
- `append_rows(session, Model, rows)` and `append_fanned(session, Model, shared, varying)`
  are the bulk paths: a single INSERT of rows of an organization-scoped model, each checked
  to be (or made) of the session's organization, for append-only records written on every
  request (the audit log) or in bulk (a device's readings).
- Otherwise writes go through the unit of work only (the legacy `bulk_*` methods are
  refused): new organization-scoped rows without an organization get the session's; a row whose
  organization is or was another one is refused (checked per row after relationships are
  synchronized, so assigning `row.organization` counts too); `organizations`, `users` and
  `organization_members` are never created, changed or deleted through a tenant session.

Not covered (system code only, or documented misuse):

- The engine (`session.get_bind()`, `session.bind`) and the raw driver connection: they
  are not the session's scoped path, and SQL sent through them is not checked.
- An ORM SELECT that embeds Core pieces: `Model.__table__` columns or joins, `text()` or
  `literal_column()` fragments, SQL functions that read tables. Criteria attach to ORM
  entities only; proving such statements scoped would mean walking every statement.
- SQL run by other listeners while the session flushes (trusted as part of the flush).

On PostgreSQL every transaction of a tenant session (the request's one, loader batches
included, and each later one) starts with `set_config('app.organization_id', :org, true)` and
`set_config('statement_timeout', :ms, true)` (PERFEX_STATEMENT_TIMEOUT_MS): the row-level
security policies (migration row_level_security) then show the connection that organization
only, even to a statement the criteria above missed. `is_local = true` ends both with the
transaction, so a pooled connection never carries one request's organization into the next.
It is sent on the DBAPI cursor, below SQLAlchemy's statement events: it is transaction set-up,
not a statement of the request (statement counts stay those of the query), and the raw-SQL
refusal below has nothing to let through. SQLite has no row-level security and no statement
timeout: nothing is sent there.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from sqlalchemy import Engine, event, insert, select
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import (
    Mapper,
    ORMExecuteState,
    Session,
    SessionTransaction,
    attributes,
    object_session,
    with_loader_criteria,
)
from sqlalchemy.sql.elements import (
    ReleaseSavepointClause,
    RollbackToSavepointClause,
    SavepointClause,
)

from models.base import SoftDeleteMixin, TenantMixin
from models.core import Organization, OrganizationMember, User
from models.fanout import fanned_insert
from models.memo import IdentityMemo
from models.patient_scope import PATIENT_KEY, patient_criteria
from settings import limit_settings

TENANT_KEY = "organization_id"
# session.info key of the statement timeout (ms) of the session's transactions (PostgreSQL).
STATEMENT_TIMEOUT_KEY = "statement_timeout_ms"
# Transaction set-up on PostgreSQL: the organization for row-level security, the timeout.
_SET_CONFIG = (
    "SELECT set_config('app.organization_id', {0}, true),"
    " set_config('statement_timeout', {1}, true)"
)
_PLACEHOLDERS = {"numeric_dollar": ("$1", "$2"), "format": ("%s", "%s"), "pyformat": ("%s", "%s")}

# Execution option set on ORM SELECTs that received the criteria; the value is private to
# this module, so no caller can mark its own statement as scoped.
_VETTED_OPTION = "perfex_tenant_scoped"
_VETTED = object()
_NO_BULK = "legacy bulk writes skip the tenant checks: add rows to the session instead"
_SAVEPOINTS = (SavepointClause, RollbackToSavepointClause, ReleaseSavepointClause)
# Only system work manages tenants, identities and who belongs where.
_SYSTEM_MANAGED = (Organization, User, OrganizationMember)

# Connections checked out by tenant sessions, to the session holding them.
_TENANT_CONNECTIONS: weakref.WeakKeyDictionary[Connection, weakref.ref[Session]] = (
    weakref.WeakKeyDictionary()
)


class TenantScopeError(Exception):
    """A tenant session was used without an organization, ran SQL that cannot be scoped to
    it, or wrote a row it may not write."""


class TenantSession(Session):
    """The sync session class behind tenant-scoped AsyncSessions.

    The legacy bulk methods write without the flush's per-row checks, so they are refused.
    """

    def bulk_save_objects(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TenantScopeError(_NO_BULK)

    def bulk_insert_mappings(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TenantScopeError(_NO_BULK)

    def bulk_update_mappings(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TenantScopeError(_NO_BULK)


def tenant_session_factory(
    engine: AsyncEngine, *, statement_timeout_ms: int | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to one organization: `factory(info={TENANT_KEY: org_id})`. Their
    transactions time out statements after `statement_timeout_ms` (default:
    PERFEX_STATEMENT_TIMEOUT_MS) on PostgreSQL."""
    timeout = statement_timeout_ms or limit_settings().statement_timeout_ms
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=TenantSession,
        info={STATEMENT_TIMEOUT_KEY: timeout},
    )


def organization_of(session: Session) -> str:
    """The session's organization; fails closed when it has none."""
    organization_id = session.info.get(TENANT_KEY)
    if not isinstance(organization_id, str) or not organization_id:
        raise TenantScopeError("tenant session used without an organization")
    return organization_id


# --- reads ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _organization_criteria(org: str) -> tuple[Any, ...]:
    """The criteria every SELECT of organization `org` carries, made once per organization
    (they are immutable options; building them for every statement showed in profiles)."""
    members = select(OrganizationMember.user_id).where(OrganizationMember.organization_id == org)
    return (
        with_loader_criteria(
            TenantMixin, lambda cls: cls.organization_id == org, include_aliases=True
        ),
        with_loader_criteria(
            SoftDeleteMixin, lambda cls: cls.deleted_at.is_(None), include_aliases=True
        ),
        with_loader_criteria(User, User.id.in_(members), include_aliases=True),
        with_loader_criteria(Organization, Organization.id == org, include_aliases=True),
    )


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_organization(state: ORMExecuteState) -> None:
    org = organization_of(state.session)
    if state.is_insert and state.execution_options.get(_APPEND_OPTION) is _VETTED:
        return  # append_rows below checked every row's organization
    if not (state.is_select and state.is_orm_statement) or state.is_from_statement:
        if state.is_update or state.is_delete:
            raise TenantScopeError("bulk UPDATE/DELETE is not allowed through a tenant session")
        raise TenantScopeError(
            "a tenant session runs ORM SELECTs only (no text(), Core tables or DML statements)"
        )
    state.update_execution_options(**{_VETTED_OPTION: _VETTED})
    state.statement = _scoped(state.statement, org)
    patient = state.session.info.get(PATIENT_KEY)
    if patient is not None:  # a patient's portal request: that patient's rows only
        state.statement = state.statement.options(
            *(
                with_loader_criteria(model, criterion(patient), include_aliases=True)
                for model, criterion in patient_criteria().items()
            )
        )


# Execution option of a statement built once and executed again and again (with new
# parameters): its scoped form is kept per organization, so that neither it nor its
# SQLAlchemy cache key is made again for each execution.
KEPT_STATEMENT = "perfex_kept_statement"
_SCOPED: IdentityMemo[Any] = IdentityMemo(512)


def _scoped(statement: Any, org: str) -> Any:
    """`statement` with the organization's criteria; kept when the statement is (see
    KEPT_STATEMENT), per organization."""
    if not statement.get_execution_options().get(KEPT_STATEMENT):
        return statement.options(*_organization_criteria(org))
    kept = _SCOPED.get(statement, org)
    if kept is None:
        kept = _SCOPED.put(statement, statement.options(*_organization_criteria(org)), org)
    return kept


# --- the session's connection --------------------------------------------------------------


@event.listens_for(TenantSession, "after_begin")
def _remember_connection(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    _TENANT_CONNECTIONS[connection] = weakref.ref(session)
    if connection.dialect.name == "postgresql":
        _set_transaction_config(session, connection)


def _set_transaction_config(session: Session, connection: Connection) -> None:
    """The organization and statement timeout of this transaction, local to it."""
    org = organization_of(session)
    timeout = session.info.get(STATEMENT_TIMEOUT_KEY) or limit_settings().statement_timeout_ms
    dialect = connection.dialect
    statement = _SET_CONFIG.format(*_PLACEHOLDERS[dialect.paramstyle])
    parameters = (org, str(int(timeout)))
    fairy = connection.connection
    cursor = fairy.cursor()
    try:
        cursor.execute(statement, parameters)
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would: a dead connection is invalidated, the error is a DBAPIError.
        disconnect = dialect.is_disconnect(exc, fairy.dbapi_connection, cursor)
        if disconnect:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            statement,
            parameters,
            exc,
            dialect.loaded_dbapi.Error,
            connection_invalidated=disconnect,
            dialect=dialect,
        ) from exc
    finally:
        cursor.close()


@event.listens_for(TenantSession, "after_transaction_end")
def _forget_connections(session: Session, transaction: SessionTransaction) -> None:
    """A connection the session was bound to (not checked out) outlives its transaction."""
    if transaction.parent is None:
        for connection, owner in list(_TENANT_CONNECTIONS.items()):
            if owner() is session:
                _TENANT_CONNECTIONS.pop(connection, None)


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_raw_sql(
    conn: Connection,
    _cursor: Any,
    _statement: str,
    _parameters: Any,
    context: ExecutionContext,
    _executemany: bool,
) -> None:
    """Runs for every statement of every engine: one dictionary lookup when not a tenant's."""
    owner = _TENANT_CONNECTIONS.get(conn)
    if owner is None or context.execution_options.get(_VETTED_OPTION) is _VETTED:
        return
    session = owner()
    if session is not None and session._flushing:
        return
    compiled = context.compiled
    if compiled is not None and isinstance(compiled.statement, _SAVEPOINTS):
        return
    raise TenantScopeError("SQL on a tenant session's connection must be an ORM SELECT")


# --- writes --------------------------------------------------------------------------------

# Execution option of the one INSERT statement `append_rows` sends (private value, as above).
_APPEND_OPTION = "perfex_tenant_append"


async def append_rows(
    session: AsyncSession,
    model: type[Any],
    rows: list[dict[str, Any]],
    *,
    render_nulls: bool = False,
) -> None:
    """Insert `rows` (attribute -> value) of an organization-scoped model in one INSERT
    statement, without an ORM object per row: for append-only records written in bulk on
    every request (the audit log). Each row gets the session's organization; a row naming
    another one is refused, as are the system-managed models. With `render_nulls`, a None
    value is sent as NULL rather than left out, so rows whose None values differ still make
    ONE statement (the ORM groups rows by the keys they send)."""
    org = _appendable(session, model)
    for row in rows:
        if row.setdefault(TENANT_KEY, org) != org:
            raise TenantScopeError("a row of another organization cannot be appended")
    if rows:
        options: dict[str, Any] = {_APPEND_OPTION: _VETTED, _VETTED_OPTION: _VETTED}
        if render_nulls:
            options["render_nulls"] = True
        await session.execute(insert(model), rows, execution_options=options)


async def append_fanned(
    session: AsyncSession,
    model: type[Any],
    shared: dict[str, Any],
    varying: Mapping[str, Sequence[str | None]],
) -> None:
    """Like `append_rows`, for rows that differ only in a few text columns (the audit batch:
    `id` and `patient_id`): ONE `INSERT … SELECT` whose rows the database expands from array
    parameters (models/fanout.py), the shared values bound once. The rows get the session's
    organization; naming another one, or letting the organization vary, is refused."""
    org = _appendable(session, model)
    if shared.setdefault(TENANT_KEY, org) != org or TENANT_KEY in varying:
        raise TenantScopeError("a row of another organization cannot be appended")
    fanned = fanned_insert(model, shared, varying, session.sync_session.get_bind().dialect.name)
    if fanned is not None:
        statement, parameters = fanned
        options = {_APPEND_OPTION: _VETTED, _VETTED_OPTION: _VETTED}
        await session.execute(statement, parameters, execution_options=options)


def _appendable(session: AsyncSession, model: type[Any]) -> str:
    """The session's organization, once `model` is known to be appendable through it."""
    if not issubclass(model, TenantMixin) or issubclass(model, _SYSTEM_MANAGED):
        raise TenantScopeError(f"{model.__name__} rows cannot be appended through a tenant session")
    return organization_of(session.sync_session)


@event.listens_for(TenantSession, "before_flush")
def _prepare_writes(session: Session, _context: Any, _instances: Any) -> None:
    org = organization_of(session)
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, _SYSTEM_MANAGED):
            raise TenantScopeError(f"{type(obj).__name__} rows are not written by a tenant")
    for obj in session.new:
        if isinstance(obj, _SYSTEM_MANAGED):
            raise TenantScopeError(f"{type(obj).__name__} rows are not written by a tenant")
        if isinstance(obj, TenantMixin) and obj.organization_id is None:
            obj.organization_id = org


@event.listens_for(TenantMixin, "before_insert", propagate=True)
@event.listens_for(TenantMixin, "before_update", propagate=True)
@event.listens_for(TenantMixin, "before_delete", propagate=True)
def _refuse_foreign_rows(_mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
    """Checked per row, after foreign keys are synchronized from relationships."""
    session = object_session(target)
    if not isinstance(session, TenantSession):
        return
    org = organization_of(session)
    owners = set(attributes.get_history(target, "organization_id").sum())
    if owners != {org}:
        raise TenantScopeError("write to a row of another organization refused")

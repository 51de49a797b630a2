"""Lists load their rows' relations at once (graph/prefetch.py) and complete without
graphql-core's per-field machinery where nothing can go wrong (graph/direct.py): the work per
request does not grow with the page, and refusals and errors inside lists are reported at
exactly the paths graphql-core gives them."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api_client import Api, Client, statements
from sqlalchemy.engine import URL
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.app import GC_THRESHOLDS
from graph.execution import FastFieldsExecutionContext
from graph.rows import LightRow
from graph.schema import schema

ROSTER = """query Roster($first: Int!) {
  patients(first: $first) {
    nodes {
      id firstName
      dialysisProfile { dialysisType dryWeight }
      dialysisSessions(first: 5) { nodes { sessionDate ktv machine { serialNumber } } }
      dialysisLabs(first: 3) { edges { cursor node { labDate hemoglobin } } }
    }
  }
}"""

# An analyst may read sessions but not their free text: every row's `notes` is refused.
REFUSED_INSIDE = """{
  patients(first: 12) {
    nodes { id gender dialysisSessions(first: 3) { nodes { id sessionDate notes } } }
  }
}"""


@contextmanager
def counting_tasks() -> Iterator[list[int]]:
    """Counts the asyncio tasks created while the block runs."""
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    created = [0]

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        created[0] += 1
        if previous is not None:
            return previous(loop, coro, **kwargs)  # type: ignore[return-value]
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)  # type: ignore[arg-type]
    try:
        yield created
    finally:
        loop.set_task_factory(previous)


async def _tasks_and_statements(client: Client, first: int) -> tuple[int, int, int]:
    with counting_tasks() as created, statements(client) as seen:
        data = await client.data(ROSTER, {"first": first})
    return created[0], len(seen), len(data["patients"]["nodes"])


async def test_tasks_and_statements_do_not_grow_with_the_page(api: Api, seeded_url: URL) -> None:
    """2 and 8 patients with profile, sessions (with machines) and labs cost the same tasks
    and statements. graphql-core alone (no prefetch, no direct completion) needs more tasks
    for more patients: that is what the check would catch."""
    client = await api(seeded_url, org=0)
    few = await _tasks_and_statements(client, 2)
    many = await _tasks_and_statements(client, 8)
    assert (few[2], many[2]) == (2, 8)
    assert few[:2] == many[:2], (few, many)
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        plain_few = await _tasks_and_statements(client, 2)
        plain_many = await _tasks_and_statements(client, 8)
    finally:
        schema.execution_context_class = FastFieldsExecutionContext
    assert plain_many[0] > plain_few[0] > few[0], (plain_few, plain_many, few)


async def _both(client: Client, document: str) -> tuple[Any, Any]:
    """The answer of the server, then graphql-core's own (no prefetch, no direct paths)."""
    fast = await client.query(document)
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        reference = await client.query(document)
    finally:
        schema.execution_context_class = FastFieldsExecutionContext
    return fast, reference


def _errors(body: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    return sorted(
        (tuple(error["path"]), error["extensions"]["code"]) for error in body.get("errors", ())
    )


async def test_refusals_inside_lists_are_graphql_cores(api: Api, seeded_url: URL) -> None:
    """A refused column in every nested row: each is FORBIDDEN at its own path, the rows
    around it are served, exactly as graphql-core answers."""
    analyst = await api(seeded_url, org=0, roles=["analyst"])
    fast, reference = await _both(analyst, REFUSED_INSIDE)
    assert fast["data"] == reference["data"]
    assert _errors(fast) == _errors(reference)
    refused = _errors(fast)
    sessions = [
        (i, j)
        for i, patient in enumerate(fast["data"]["patients"]["nodes"])
        for j, _ in enumerate(patient["dialysisSessions"]["nodes"])
    ]
    assert sessions, "the check needs sessions"
    assert refused == sorted(
        (("patients", "nodes", i, "dialysisSessions", "nodes", j, "notes"), "FORBIDDEN")
        for i, j in sessions
    )


async def test_a_refused_relation_in_a_list_is_refused_and_not_read(
    api: Api, portal_url: URL
) -> None:
    """A portal patient may not read decision support: the list's prefetch of it loads
    nothing, and the field is FORBIDDEN on the row, as graphql-core reports it."""
    patient = await api.patient(portal_url)
    document = (
        "{ patients(first: 4) { nodes { id cdssRecommendations(first: 2) { nodes { id } } } } }"
    )
    with statements(patient) as seen:
        fast, reference = await _both(patient, document)
    assert fast["data"] == reference["data"]
    assert (
        _errors(fast)
        == _errors(reference)
        == [(("patients", "nodes", 0, "cdssRecommendations"), "FORBIDDEN")]
    )
    assert not [s for s in seen if "cdss_recommendations" in s.sql], "a refused relation was read"


async def test_no_request_keeps_its_rows(api: Api, seeded_url: URL) -> None:
    """Once answered, a request's rows are freed, by reference counting alone: nothing (a
    cached exception's traceback, a memo, a reference cycle through the execution context)
    keeps them until a garbage collection, so memory does not grow with the requests."""
    client = await api(seeded_url, org=0)
    await client.data(ROSTER, {"first": 8})  # warm: caches made once per process
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            data = await client.data(ROSTER, {"first": 8})
            assert len(data["patients"]["nodes"]) == 8
        kept = [row for row in gc.get_objects() if isinstance(row, LightRow)]
    finally:
        gc.enable()
    assert not kept, f"{len(kept)} light rows outlived their request"


def test_the_collector_is_tuned_once_the_app_started() -> None:
    """The app freezes what start-up built and collects the young generation less often
    (graph/app.py); the fixtures above started it."""
    assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_freeze_count() > 0

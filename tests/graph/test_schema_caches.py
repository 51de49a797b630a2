"""The parse and validation caches hit across requests: a dashboard's repeated operation is
parsed and validated once, not on every request (the limit rules are made once, since the
validation cache keys on them)."""

from __future__ import annotations

import gc

from api_client import Api
from sqlalchemy.engine import URL
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from graph.schema import CACHE_SIZE


async def test_a_repeated_operation_is_parsed_and_validated_once(
    api: Api, migrated_url: URL
) -> None:
    client = await api(migrated_url)
    document = "query Repeated { me { userId } patients(first: 3) { nodes { id } } }"
    await client.data(document)
    parsed, validated = _get_parse_cache(CACHE_SIZE), _get_validate_cache(CACHE_SIZE)
    parse_hits, validate_hits = parsed.cache_info().hits, validated.cache_info().hits
    for _ in range(3):
        await client.data(document)
    assert parsed.cache_info().hits - parse_hits == 3
    assert validated.cache_info().hits - validate_hits == 3


async def test_start_up_objects_are_frozen_out_of_the_collector(
    api: Api, migrated_url: URL
) -> None:
    await api(migrated_url)  # an app has started in this process
    assert gc.get_freeze_count() > 10_000

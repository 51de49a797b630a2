"""Computed fields of quality measurements on the seeded data: the rate is numerator over
denominator, and meetsTarget compares the value with the target in force by the indicator's
operator, reading the indicators of a page in one statement."""

from __future__ import annotations

from api_client import Api, statements
from calculation_checks import RESULT, as_calculation
from sqlalchemy import select
from sqlalchemy.engine import URL

from graph.ids import decode
from graph.population_health import equations
from models.population_health import QualityIndicator, QualityMeasurement

QUERY = "query($first: Int!) { qualityMeasurements(first: $first) { nodes { id %s } } }"
FIELDS = f"rate {RESULT} meetsTarget {RESULT}"


async def test_rate_and_meets_target_equal_the_equations(api: Api, seeded_url: URL) -> None:
    client = await api(seeded_url, org=0)
    async with client.engine.connect() as conn:
        measurements = {
            row.id: row
            for row in (
                await conn.execute(
                    select(QualityMeasurement).where(
                        QualityMeasurement.organization_id == client.organization_id,
                        QualityMeasurement.deleted_at.is_(None),
                    )
                )
            ).all()
        }
        indicators = {row.id: row for row in (await conn.execute(select(QualityIndicator))).all()}
    with statements(client) as seen:
        data = await client.data(QUERY % FIELDS, {"first": 500})
    assert len(seen) == 3, seen  # membership, the page, its indicators
    nodes = data["qualityMeasurements"]["nodes"]
    assert nodes and len(nodes) == len(measurements)
    met = 0
    for node in nodes:
        row = measurements[decode(node["id"])[1]]
        indicator = indicators[row.indicator_id]
        rate = as_calculation(node["rate"])
        assert rate == equations.measurement_rate(row.numerator, row.denominator)
        assert rate.value is not None and abs(rate.value - row.value) < 1e-4  # seed: value = rate
        operator = equations.TargetOperator(indicator.target_operator)
        target = row.target_value if row.target_value is not None else indicator.target
        expected = equations.meets_target(
            row.value, operator, target, indicator.target_value_secondary
        )
        got = as_calculation(node["meetsTarget"])
        assert got == expected
        assert got.value == float(row.is_target_met)  # the seed's own flag agrees
        met += got.value == 1.0
    assert 0 < met < len(nodes)


async def test_meets_target_costs_one_statement_per_page(api: Api, seeded_url: URL) -> None:
    client = await api(seeded_url, org=0)
    counts = []
    for size in (3, 20):
        with statements(client) as seen:
            await client.data(QUERY % FIELDS, {"first": size})
        counts.append(len(seen))
    assert counts == [3, 3]

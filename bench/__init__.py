"""A reproducible side-by-side benchmark of the API: `python -m bench run` (docs/performance.md).

Four servers answer the five ready operations of `queries/` on the same generated data, each
in its own uvicorn process: the real API (`graph.app:create_app`), the floor (one hand-written
SQL statement per operation that builds the JSON response), a naive Strawberry schema (one query
per parent relation, no dataloaders) and strawberry-sqlalchemy-mapper over the same models.
"""

"""Synthetic clinical data for demos and load tests (`perfex-graph seed`).

One module per spec domain, mirroring `models/`, each a generator of rows for one organization;
`seed.runner.seed_database` drives them and writes in batches. Same `SeedOptions` (seed and
as-of date included) give byte-identical data. Rows hold fake protected health information:
nothing here logs or prints row contents.
"""

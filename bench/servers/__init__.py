"""The four servers of the benchmark, each an ASGI factory for `uvicorn --factory`:
`api` (the real API), `floor`, `naive` and `mapper`. Each reads BENCH_DATABASE_URL and is
wrapped in `bench.instrument.Instrumented` (statement and row counters, `/_bench/stats`)."""

SERVERS = ("floor", "api", "naive", "mapper")

"""`python -m bench run --size small|large [--dialect sqlite|postgresql|both] [--concurrency 1,16]
[--duration S | --requests N]`: the side-by-side benchmark (docs/performance.md).

Also `python -m bench profile` (pyinstrument profile of Q1 at 100 patients on the real API),
`python -m bench typename | scale | soak` (probes of the API's server: bench/probes.py) and
`python -m bench build` (only build or check the datasets).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from bench.config import BENCH_DIR, DEFAULT_SEED, DIALECTS, SIZES
from bench.servers import SERVERS


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _dialects(value: str) -> list[str]:
    return list(DIALECTS) if value == "both" else [value]


def _ints(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v.strip()]


def _names(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _servers(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = set(names) - set(SERVERS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown servers {sorted(unknown)}; known: {SERVERS}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def common(command: argparse.ArgumentParser, dialect: str) -> None:
        command.add_argument("--size", choices=sorted(SIZES), default="small")
        command.add_argument("--dialect", choices=[*DIALECTS, "both"], default=dialect)
        command.add_argument("--seed", type=int, default=DEFAULT_SEED)
        command.add_argument("--rebuild", action="store_true", help="seed the dataset again")

    run = commands.add_parser("run", help="the benchmark: four servers, Q1-Q5, markdown tables")
    common(run, "both")
    run.add_argument("--concurrency", type=_ints, default=[1, 16], help="e.g. 1,16")
    run.add_argument(
        "--duration",
        type=float,
        default=3.0,
        help="seconds of load per server, operation and concurrency (default 3)",
    )
    run.add_argument(
        "--requests", type=int, help="instead of --duration: requests per server and operation"
    )
    run.add_argument("--servers", type=_servers, default=list(SERVERS), help=",".join(SERVERS))
    run.add_argument(
        "--operations", type=_names, help="only these, e.g. Q1@100,Q2 (default: all seven)"
    )
    run.add_argument("--output", type=Path, help="also write the markdown here")

    profile = commands.add_parser("profile", help="pyinstrument profile of one operation (API)")
    common(profile, "sqlite")
    profile.add_argument("--operation", default="Q1@100")
    profile.add_argument("--repeat", type=int, default=30)
    profile.add_argument("--tree", action="store_true", help="also print pyinstrument's tree")

    typename = commands.add_parser("typename", help="{ __typename } with a token (API)")
    common(typename, "sqlite")
    typename.add_argument("--requests", type=int, default=500)
    scale = commands.add_parser("scale", help="Q1 req/s at 16 clients, 1 and 2 workers (API)")
    common(scale, "sqlite")
    scale.add_argument("--operation", default="Q1@100")
    scale.add_argument("--clients", type=int, default=16)
    scale.add_argument("--duration", type=float, default=15.0, help="seconds per worker count")
    soak = commands.add_parser("soak", help="the API's RSS over minutes of Q1 (API)")
    common(soak, "sqlite")
    soak.add_argument("--operation", default="Q1@500")
    soak.add_argument("--minutes", type=float, default=5.0)

    build = commands.add_parser("build", help="build (or check) the datasets only")
    common(build, "both")

    args = parser.parse_args(argv)
    from bench import datasets

    def dataset_for(dialect: str) -> datasets.Dataset:
        if args.rebuild:
            return datasets.build(args.size, args.seed, dialect, _log)
        return datasets.ensure(args.size, args.seed, dialect, _log)

    if args.command == "build":
        for dialect in _dialects(args.dialect):
            _log(dataset_for(dialect).describe())
        return 0
    if args.command in ("typename", "scale", "soak"):
        from bench import probes

        for dialect in _dialects(args.dialect):
            dataset = dataset_for(dialect)
            if args.command == "typename":
                print(probes.typename(dataset, args.requests))
            elif args.command == "scale":
                print(probes.scale(dataset, args.operation, args.clients, args.duration))
            else:
                print(probes.soak(dataset, args.operation, args.minutes, _log))
        return 0
    if args.command == "profile":
        from bench import profile as profiling

        for dialect in _dialects(args.dialect):
            dataset = dataset_for(dialect)
            found = profiling.profile(dataset, args.operation, args.repeat)
            print(profiling.markdown(found, dataset))
            if args.tree:
                print("\n```\n" + found.text + "\n```")
        return 0
    return _run(args, dataset_for)


def _run(args: argparse.Namespace, dataset_for: object) -> int:
    from bench import report, runner

    results = []
    postgres_url = None
    for dialect in _dialects(args.dialect):
        dataset = dataset_for(dialect)  # type: ignore[operator]
        if dialect == "postgresql":
            postgres_url = dataset.url
        duration = None if args.requests is not None else args.duration
        results.append(
            runner.run(
                dataset,
                args.servers,
                args.concurrency,
                duration,
                args.requests,
                _log,
                args.operations,
            )
        )
    text = "\n".join(
        [
            f"# Benchmark: {args.size} dataset",
            "",
            report.machine(postgres_url),
            "",
            *(report.markdown(result) for result in results),
        ]
    )
    print(text)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    folder = BENCH_DIR / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stamp}-{args.size}.md").write_text(text + "\n", encoding="utf-8")
    (folder / f"{stamp}-{args.size}.json").write_text(
        json.dumps([report.figures(result) for result in results], indent=1) + "\n",
        encoding="utf-8",
    )
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
    _log(f"results: {folder / f'{stamp}-{args.size}.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The servers as processes: uvicorn, one worker each, on loopback ports, started side by side
on the same dataset and always stopped (SIGTERM to the process group, then SIGKILL)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.client import Connection, encode_request
from bench.config import BENCH_DIR, ROOT
from bench.datasets import Dataset
from bench.instrument import RESET_PATH, STATS_PATH
from bench.servers.base import ENV_URL

START_TIMEOUT = 90.0


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    connections: list[Connection] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def stats(self, reset: bool = False) -> dict[str, int]:
        connection = Connection(self.port)
        try:
            path = RESET_PATH if reset else STATS_PATH
            reply = await connection.send(encode_request(self.port, path, b"", "-", "GET"))
        finally:
            await connection.close()
        return orjson.loads(reply.body)  # type: ignore[no-any-return]

    async def open(self, count: int) -> None:
        while len(self.connections) < count:
            connection = Connection(self.port)
            await connection.open()
            self.connections.append(connection)

    async def close(self) -> None:
        for connection in self.connections:
            await connection.close()
        self.connections.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(dataset: Dataset) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERFEX_JWT_")}
    env[ENV_URL] = dataset.url
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the benchmark process dies (Linux), so not even
    a killed run leaves servers behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(name: str, dataset: Dataset, workers: int = 1) -> Server:
    logs = BENCH_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}-{dataset.dialect}.log"
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        f"bench.servers.{name}:create",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--timeout-keep-alive",
        "300",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command,
            cwd=ROOT,
            env=_environment(dataset),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    return Server(name, port, process, log)


def stop(server: Server) -> None:
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


async def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"server {server.name} exited at start:\n{tail}")
        try:
            await server.stats()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"server {server.name} did not start in {START_TIMEOUT:.0f} s"
                ) from None
            await asyncio.sleep(0.2)


@contextlib.contextmanager
def running(names: list[str], dataset: Dataset, workers: int = 1) -> Iterator[dict[str, Server]]:
    """The servers, started side by side (each with `workers` uvicorn workers); stopped
    whatever happens (also on SIGTERM)."""
    servers: dict[str, Server] = {}
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(_signum: int, _frame: object) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, terminate)
    try:
        for name in names:
            servers[name] = start(name, dataset, workers)
        asyncio.run(_wait_all(servers))
        yield servers
    finally:
        for server in servers.values():
            stop(server)
        signal.signal(signal.SIGTERM, previous)


async def _wait_all(servers: dict[str, Server]) -> None:
    await asyncio.gather(*(wait_ready(server) for server in servers.values()))


# --- peak RSS ---------------------------------------------------------------------------------


def reset_peak(pid: int) -> bool:
    """Reset the process's peak RSS (Linux: clear_refs 5); False when not possible."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss(pid: int) -> int:
    """The process's peak RSS since start or the last reset (VmHWM), in bytes; else its RSS."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import psutil

    return int(psutil.Process(pid).memory_info().rss)

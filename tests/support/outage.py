"""Private Redis and PostgreSQL servers that a fault test may stop, kill and restart.

Never the machine's shared services (TESTING.md): each server here runs on a
spare port the OS picked, in a temporary directory, and is stopped by PID.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support import services

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {timeout}s")


class PrivateRedis:
    """``redis-server`` on a spare port; ``stop()`` kills it (an outage), ``start()`` brings it back."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            services.missing("redis-server is not installed (apt-get install redis-server)")
        self.port = spare_port()
        self.directory = Path(tempfile.mkdtemp(prefix="emu-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: services.redis_reachable(self.url), timeout=10, what="private redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb as the postgres user, TESTING.md)."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            services.missing(f"PostgreSQL server binaries not found in {PG_BIN}")
        self.port = spare_port()
        self.directory = Path(tempfile.mkdtemp(prefix="emu-pg-"))
        shutil.chown(self.directory, "postgres")
        self.data = self.directory / "data"
        self._as_postgres(f"{PG_BIN}/initdb -D {self.data} -U postgres --auth=trust -E UTF8 >/dev/null")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, command: str) -> None:
        if os.geteuid() == 0:
            subprocess.run(["su", "postgres", "-c", command], check=True, timeout=120)
        else:
            subprocess.run(["sh", "-c", command], check=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c fsync=off -c listen_addresses=127.0.0.1"
        self._as_postgres(f"{PG_BIN}/pg_ctl -D {self.data} -o '{options}' -l {self.directory}/log start -w >/dev/null")

    def stop(self, mode: str = "immediate") -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres(f"{PG_BIN}/pg_ctl -D {self.data} stop -m {mode} >/dev/null")

    def close(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

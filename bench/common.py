"""Shared pieces for benchmarks: machine facts, timing, result files (shared/BENCH.md)."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine(database: str = "") -> dict:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    meminfo = Path("/proc/meminfo").read_text().split()[1] if Path("/proc/meminfo").exists() else "0"
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(int(meminfo) / 1024 / 1024),
        "python": platform.python_version(),
        "database": database,
    }


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return "PostgreSQL " + cursor.fetchone()[0]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def result(
    name: str,
    value: float,
    unit: str,
    *,
    baseline_name: str = "",
    baseline: float | None = None,
    target_ratio: float | None = None,
    **extra,
) -> dict:
    entry = {"name": name, "value": round(value, 6), "unit": unit}
    if baseline is not None:
        entry |= {
            "baseline_name": baseline_name,
            "baseline": round(baseline, 6),
            "ratio": round(value / baseline, 3) if baseline else None,
        }
    if target_ratio is not None:
        entry["target_ratio"] = target_ratio
    return entry | extra


def write(benchmark: str, workload: str, results: list[dict], database: str = "", **extra) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": benchmark,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(database),
        "workload": workload,
        "results": results,
    } | extra
    path = RESULTS / f"{benchmark}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def rows_from_env(default: int) -> int:
    return int(os.environ.get("BENCH_ROWS", default))

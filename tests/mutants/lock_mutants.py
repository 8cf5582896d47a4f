"""Apply each lock mutant by hand and check the lock-order tests kill it every run.

    DATABASE_URL=postgres://... .venv/bin/python tests/mutants/lock_mutants.py [--runs 5]

The three mutants (issue 17): the opt-out writer's lock dropped, the
delivery's shared lock dropped, the delivery's transaction removed (its lock
then ends with its own statement, before the provider call). Each is found by
what the code does, not by line number, so it survives a refactor that keeps
the shape; if a pattern is no longer found the script says so and fails
rather than reporting a mutant it did not apply. Every source file is restored
in a ``finally``. Exit status 0 only when the real code passes every run and
every mutant fails every run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ["tests/integration/test_lock_order.py"]
# Where the delivery path may live (messaging/guard.py once the guard is one module).
DELIVERY_FILES = ["messaging/guard.py", "messaging/services.py", "messaging/delivery.py"]
WRITER_FILE = "optouts/services.py"

Mutation = Callable[[str], str | None]


def _drop_writer_lock(source: str) -> str | None:
    """Remove the lock_numbers call in the function every opt-out writes through (``_write_opt_out``)."""
    start = source.find("\ndef _write_opt_out(")
    start = source.find("\ndef opt_out(") if start < 0 else start
    if start < 0:
        return None
    end = source.find("\ndef ", start + 1)
    end = len(source) if end < 0 else end
    body = source[start:end]
    mutated, count = re.subn(r"^(\s*)lock_numbers\(.*\)$", r"\1pass  # MUTANT", body, count=1, flags=re.M)
    return source[:start] + mutated + source[end:] if count else None


def _shared_lock_line(source: str) -> re.Match[str] | None:
    """The worker's shared lock (``lock_pairs``/``lock_numbers`` with ``shared=True``, messaging/guard.py)."""
    return re.search(r"^(\s*)\S*lock_(?:numbers|pairs)\([^\n]*shared=True[^\n]*\)$", source, flags=re.M)


def _checked_under_lock_line(source: str) -> re.Match[str] | None:
    """Where the delivery round asks the guard (and so takes the lock) inside its transaction."""
    return _shared_lock_line(source) or re.search(r"^(\s*)\S.*guard\.cleared_to_send\(", source, flags=re.M)


def _drop_delivery_lock(source: str) -> str | None:
    match = _shared_lock_line(source)
    if match is None:
        return None
    return source[: match.start()] + f"{match.group(1)}pass  # MUTANT" + source[match.end() :]


def _drop_delivery_transaction(source: str) -> str | None:
    """Turn the ``with transaction.atomic():`` around the shared lock into ``if True:``."""
    match = _checked_under_lock_line(source)
    if match is None:
        return None
    lock_indent = len(match.group(1))
    lines = source[: match.start()].split("\n")
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped and indent < lock_indent:
            if re.match(r"with transaction\.atomic\(\)\s*:", stripped):
                lines[index] = " " * indent + "if True:  # MUTANT"
                return "\n".join(lines) + source[match.start() :]
            if stripped.startswith("def "):
                return None
    return None


MUTANTS: dict[str, tuple[list[str], Mutation]] = {
    "writer lock dropped (optouts/services.py _write_opt_out)": ([WRITER_FILE], _drop_writer_lock),
    "delivery lock dropped (the shared lock in messaging/guard.py)": (DELIVERY_FILES, _drop_delivery_lock),
    "delivery transaction removed (atomic around the shared lock)": (DELIVERY_FILES, _drop_delivery_transaction),
}


def run_tests(runs: int) -> list[bool]:
    results = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:playwright", *TESTS],
            cwd=ROOT,
            env={**os.environ, "CI": "true"},
            capture_output=True,
            text=True,
        )
        results.append(proc.returncode == 0)
    return results


def apply(files: list[str], mutation: Mutation) -> tuple[Path, str] | None:
    for name in files:
        path = ROOT / name
        if not path.exists():
            continue
        original = path.read_text()
        mutated = mutation(original)
        if mutated is not None and mutated != original:
            path.write_text(mutated)
            return path, original
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("lock mutants need PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    ok = True
    passed = run_tests(args.runs)
    print(f"real code: passed {sum(passed)}/{args.runs}", flush=True)
    ok &= all(passed)
    for name, (files, mutation) in MUTANTS.items():
        applied = apply(files, mutation)
        if applied is None:
            print(f"{name}: NOT APPLIED (pattern not found in {', '.join(files)})", flush=True)
            ok = False
            continue
        path, original = applied
        try:
            passed = run_tests(args.runs)
        finally:
            path.write_text(original)
        failed = args.runs - sum(passed)
        print(f"{name} in {path.relative_to(ROOT)}: tests failed {failed}/{args.runs}", flush=True)
        ok &= failed == args.runs
    print("lock mutants: all killed every run" if ok else "lock mutants: NOT all killed every run")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

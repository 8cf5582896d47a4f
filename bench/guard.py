"""The pre-send guard at scale (issue 3): single-number check and a 100,000-recipient bulk check.

Workload: BENCH_ROWS opt-outs (default 1,000,000) spread over 100 workspaces on
PostgreSQL. Each figure sits beside a hand-written SQL baseline measured in the
same run on the same data.
"""

from __future__ import annotations

import os
import random

from bench import common

WORKSPACES = 100
REGION_PREFIXES = ["+1415", "+1212", "+1646", "+4479", "+4477", "+4915", "+3361", "+6141", "+3467", "+5511"]


def _number(rng: random.Random) -> str:
    prefix = rng.choice(REGION_PREFIXES)
    return prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix) + 1))


def ensure_data(rows: int) -> list[int]:
    from django.db import connection

    from optouts.models import OptOut
    from workspaces.models import Workspace

    workspaces = list(Workspace.objects.filter(slug__startswith="guard-bench-").order_by("id"))
    if len(workspaces) == WORKSPACES and OptOut.objects.filter(workspace__in=workspaces).count() == rows:
        return [w.id for w in workspaces]
    OptOut.objects.filter(workspace__slug__startswith="guard-bench-").delete()
    Workspace.objects.filter(slug__startswith="guard-bench-").delete()
    workspaces = Workspace.objects.bulk_create(
        [Workspace(name=f"Guard bench {i}", slug=f"guard-bench-{i}", default_region="US") for i in range(WORKSPACES)]
    )
    ids = [w.id for w in workspaces]
    rng = random.Random(3)
    print(f"  generating {rows:,} opt-outs over {WORKSPACES} workspaces…", flush=True)
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY optouts_optout (workspace_id, phone, method, reason, created_at, updated_at) FROM STDIN"
        ) as copy:
            seen: set[tuple[int, str]] = set()
            while len(seen) < rows:
                key = (ids[len(seen) % WORKSPACES], _number(rng))
                if key in seen:
                    continue
                seen.add(key)
                copy.write_row((key[0], key[1], "import", "", "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"))
        cursor.execute("ANALYZE optouts_optout")
    return ids


def main() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/emu_bench_guard")
    from bench.setup_db import ready

    ready()
    from django.db import connection

    from optouts import services
    from workspaces.models import Workspace

    rows = common.rows_from_env(1_000_000)
    ids = ensure_data(rows)
    workspace = Workspace.objects.get(id=ids[0])
    on_list = list(workspace.optouts.values_list("phone", flat=True))
    rng = random.Random(11)

    # Single checks: half of the numbers are on the list, half are not.
    probes = [rng.choice(on_list) if i % 2 else _number(rng) for i in range(3000)]
    services.is_opted_out(workspace=workspace, phone=probes[0])  # warm the connection

    def bare_single(phone: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM optouts_optout WHERE workspace_id = %s AND phone = %s LIMIT 1", [workspace.id, phone]
            )
            return cursor.fetchone() is not None

    single, single_bare = [], []
    for phone in probes:
        single += common.timed(lambda phone=phone: services.is_opted_out(workspace=workspace, phone=phone), 1)
        single_bare += common.timed(lambda phone=phone: bare_single(phone), 1)

    # Bulk: a 100,000-recipient send with 10% of them opted out.
    recipients_count = min(100_000, rows)
    blocked = rng.sample(on_list, min(len(on_list), recipients_count // 10))
    recipients = blocked + [_number(rng) for _ in range(recipients_count - len(blocked))]
    rng.shuffle(recipients)

    def bare_bulk() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT phone FROM optouts_optout WHERE workspace_id = %s AND phone = ANY(%s)",
                [workspace.id, recipients],
            )
            return {row[0] for row in cursor.fetchall()}

    assert services.opted_out_among(workspace=workspace, phones=recipients) == bare_bulk() == set(blocked)
    repeats = 7
    bulk, bulk_bare = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine noise
        bulk += common.timed(lambda: services.opted_out_among(workspace=workspace, phones=recipients), 1)
        bulk_bare += common.timed(bare_bulk, 1)

    ms = 1000
    results = [
        common.result(
            "is_opted_out_median",
            common.median(single) * ms,
            "ms",
            baseline_name="bare SELECT by (workspace, phone)",
            baseline=common.median(single_bare) * ms,
            target_value=1.0,
            samples=len(single),
        ),
        common.result(
            "is_opted_out_p99",
            common.percentile(single, 99) * ms,
            "ms",
            baseline_name="bare SELECT by (workspace, phone)",
            baseline=common.percentile(single_bare, 99) * ms,
            samples=len(single),
        ),
        common.result(
            "bulk_guard_100k",
            common.median(bulk),
            "s",
            baseline_name="one SELECT … phone = ANY(array of 100k)",
            baseline=common.median(bulk_bare),
            target_ratio=1.5,
            repetitions=repeats,
            recipients_per_second=round(recipients_count / common.median(bulk)),
        ),
    ]
    path = common.write(
        "guard",
        f"{rows:,} opt-outs over {WORKSPACES} workspaces; {len(probes):,} single checks (half on the list); "
        f"bulk check of {recipients_count:,} recipients, 10% opted out; medians",
        results,
        database=common.postgres_version(),
    )
    for entry in results:
        print(f"  {entry}")
    print(f"  wrote {path}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()

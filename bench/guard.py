"""The pre-send guard at scale (issues 3 and 15): single-number check and a 100,000-recipient bulk check.

Workload: BENCH_ROWS opt-outs (default 1,000,000) spread over 100 workspaces
(10k each) plus one workspace holding BENCH_ROWS opt-outs of its own, on
PostgreSQL. Baselines (issue #15), measured in the same run on the same data:

- single check: the same SELECT as a *prepared* psycopg statement on the raw
  connection, no Django in between;
- bulk check: the best of two plain queries (``phone = ANY(array)`` and a
  ``JOIN unnest(array)``), for the 10k-row and the 1M-row workspace.
"""

from __future__ import annotations

import os
import random

from bench import common

WORKSPACES = 100
SINGLE_SQL = "SELECT 1 FROM optouts_optout WHERE workspace_id = %s AND phone = %s LIMIT 1"
ANY_SQL = "SELECT phone FROM optouts_optout WHERE workspace_id = %s AND phone = ANY(%s)"
UNNEST_SQL = (
    "SELECT o.phone FROM optouts_optout o JOIN unnest(%s::text[]) AS wanted(phone) ON o.phone = wanted.phone "
    "WHERE o.workspace_id = %s"
)
REGION_PREFIXES = ["+1415", "+1212", "+1646", "+4479", "+4477", "+4915", "+3361", "+6141", "+3467", "+5511"]


def _number(rng: random.Random) -> str:
    prefix = rng.choice(REGION_PREFIXES)
    return prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix) + 1))


def ensure_data(rows: int) -> tuple[list[int], int]:
    """The 100 small workspaces' ids and the big one's, generating them when the counts differ."""
    from django.db import connection

    from optouts.models import OptOut
    from workspaces.models import Workspace

    workspaces = list(Workspace.objects.filter(slug__startswith="guard-bench-").order_by("id"))
    big = Workspace.objects.filter(slug="guard-big").first()
    if (
        len(workspaces) == WORKSPACES
        and OptOut.objects.filter(workspace__in=workspaces).count() == rows
        and big is not None
        and OptOut.objects.filter(workspace=big).count() == rows
    ):
        return [w.id for w in workspaces], big.id
    OptOut.objects.filter(workspace__slug__startswith="guard-").delete()
    Workspace.objects.filter(slug__startswith="guard-").delete()
    workspaces = Workspace.objects.bulk_create(
        [Workspace(name=f"Guard bench {i}", slug=f"guard-bench-{i}", default_region="US") for i in range(WORKSPACES)]
    )
    big = Workspace.objects.create(name="Guard bench big", slug="guard-big", default_region="US")
    ids = [w.id for w in workspaces]
    rng = random.Random(3)
    print(f"  generating {rows:,} opt-outs over {WORKSPACES} workspaces and {rows:,} in one…", flush=True)
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY optouts_optout (workspace_id, phone, method, reason, created_at, updated_at) FROM STDIN"
        ) as copy:
            seen: set[tuple[int, str]] = set()
            while len(seen) < 2 * rows:
                owner = ids[len(seen) % WORKSPACES] if len(seen) < rows else big.id
                key = (owner, _number(rng))
                if key in seen:
                    continue
                seen.add(key)
                copy.write_row((key[0], key[1], "import", "", "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"))
        cursor.execute("ANALYZE optouts_optout")
    return ids, big.id


def main() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/emu_bench_guard")
    from bench.setup_db import ready

    ready()
    from django.db import connection

    from optouts import services
    from workspaces.models import Workspace

    rows = common.rows_from_env(1_000_000)
    ids, big_id = ensure_data(rows)
    workspace = Workspace.objects.get(id=ids[0])
    on_list = list(workspace.optouts.values_list("phone", flat=True))
    rng = random.Random(11)

    # Single checks: half of the numbers are on the list, half are not.
    probes = [rng.choice(on_list) if i % 2 else _number(rng) for i in range(3000)]
    services.is_opted_out(workspace=workspace, phone=probes[0])  # warm the connection
    raw = connection.connection  # the psycopg connection Django holds

    def prepared_single(phone: str) -> bool:
        cursor = raw.execute(SINGLE_SQL, [workspace.id, phone], prepare=True)
        return cursor.fetchone() is not None

    assert prepared_single(on_list[0]) and services.is_opted_out(workspace=workspace, phone=on_list[0])
    single, single_bare = [], []
    for phone in probes:
        single += common.timed(lambda phone=phone: services.is_opted_out(workspace=workspace, phone=phone), 1)
        single_bare += common.timed(lambda phone=phone: prepared_single(phone), 1)

    ms = 1000
    results = [
        common.result(
            "is_opted_out_median",
            common.median(single) * ms,
            "ms",
            baseline_name="prepared psycopg statement: SELECT 1 … WHERE workspace_id = $1 AND phone = $2",
            baseline=common.median(single_bare) * ms,
            target_ratio=1.3,
            samples=len(single),
        ),
        common.result(
            "is_opted_out_p99",
            common.percentile(single, 99) * ms,
            "ms",
            baseline_name="prepared psycopg statement",
            baseline=common.percentile(single_bare, 99) * ms,
            samples=len(single),
        ),
    ]

    # Bulk: a 100,000-recipient send with 10% of them opted out, for a 10k-row and a 1M-row list.
    recipients_count = min(100_000, rows)
    repeats = 7
    for label, target in (("10k", workspace), (f"{rows // 1000}k", Workspace.objects.get(id=big_id))):
        listed = list(target.optouts.values_list("phone", flat=True)[: recipients_count // 10 * 3])
        blocked = rng.sample(listed, min(len(listed), recipients_count // 10))
        recipients = blocked + [_number(rng) for _ in range(recipients_count - len(blocked))]
        rng.shuffle(recipients)

        def plain(sql: str, target=target, recipients=recipients) -> set[str]:
            params = [target.id, recipients] if sql == ANY_SQL else [recipients, target.id]
            rows_found = raw.execute(sql, params).fetchall()
            return {row[0] for row in rows_found}

        def guard(target=target, recipients=recipients) -> set[str]:
            return services.opted_out_among(workspace=target, phones=recipients)

        found = guard()
        # Random numbers can hit a big list by chance: every listed one must be found, and the same set.
        assert found == plain(ANY_SQL) == plain(UNNEST_SQL) and set(blocked) <= found
        bulk, any_samples, unnest_samples = [], [], []
        for _ in range(repeats):  # interleaved, so all three see the same machine noise
            bulk += common.timed(guard, 1)
            any_samples += common.timed(lambda: plain(ANY_SQL), 1)
            unnest_samples += common.timed(lambda: plain(UNNEST_SQL), 1)
        plains = {"phone = ANY(array)": common.median(any_samples), "JOIN unnest(array)": common.median(unnest_samples)}
        best = min(plains, key=plains.get)
        results.append(
            common.result(
                f"bulk_guard_100k_in_{label}_list",
                common.median(bulk),
                "s",
                baseline_name=f"best plain query: {best}",
                baseline=plains[best],
                target_ratio=1.5,
                plain_queries_s={k: round(v, 6) for k, v in plains.items()},
                repetitions=repeats,
                recipients_per_second=round(recipients_count / common.median(bulk)),
            )
        )

    path = common.write(
        "guard",
        f"{rows:,} opt-outs over {WORKSPACES} workspaces and {rows:,} in one more; {len(probes):,} single checks "
        f"(half on the list) in a 10k-row list; bulk check of {recipients_count:,} recipients, 10% opted out, "
        "in a 10k-row and a big list; medians",
        results,
        database=common.postgres_version(),
        load_average=[round(x, 2) for x in os.getloadavg()],
    )
    for entry in results:
        print(f"  {entry}")
    print(f"  wrote {path}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()

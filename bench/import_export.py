"""Import and export at a million rows, beside baselines measured in the same run (issues 5, 14).

- Import (CSV, then XLSX) of mixed-format numbers, task start to summary, against the
  same work done by one process (issue 14): stream the file, normalise each number
  (SPEC §3), COPY the rows into a temporary table, then one INSERT … ON CONFLICT into
  the opt-outs and one INSERT of their history events. Also beside it, as before: one
  bare phonenumbers parse per row, COPYed into an empty table.
- Export of the same number of opt-outs against ``COPY (SELECT …) TO STDOUT WITH CSV``
  for the same columns.
- Peak RSS of the process doing the work at BENCH_ROWS vs a tenth of it.

Every measured run is its own subprocess (``--child``), so its ``ru_maxrss`` is its
own. Runs alternate baseline / engine so the machine's noise hits both alike.
Environment: BENCH_ROWS (default 1,000,000), BENCH_REPEAT (default 3).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench import common

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SEED = 20261126
REGION = "US"
GENERATOR_VERSION = 2  # bump to regenerate cached data files

# (country code, national-number generator, writings) — every writing is readable
# from a US workspace: national for US numbers, + / 00 / bare digits for the others.
_US_AREAS = ["212", "312", "415", "617", "646", "702", "305", "206", "512", "718"]


def _us(rng: random.Random) -> str:
    return rng.choice(_US_AREAS) + str(rng.randint(200, 999)) + f"{rng.randint(0, 9999):04d}"


def _gb(rng: random.Random) -> str:
    return "7" + rng.choice(["400", "500", "700", "800", "900", "911", "723", "852"]) + f"{rng.randint(0, 999999):06d}"


def _fr(rng: random.Random) -> str:
    return rng.choice("67") + f"{rng.randint(10_000_000, 99_999_999)}"


def _de(rng: random.Random) -> str:
    return rng.choice(["151", "152", "160", "170", "171", "176"]) + f"{rng.randint(0, 99_999_999):08d}"


def _au(rng: random.Random) -> str:
    return "4" + f"{rng.randint(10_000_000, 99_999_999)}"


def _in(rng: random.Random) -> str:
    return rng.choice("6789") + f"{rng.randint(0, 999_999_999):09d}"


COUNTRIES = [("1", _us, 40), ("44", _gb, 22), ("33", _fr, 10), ("49", _de, 10), ("61", _au, 8), ("91", _in, 10)]
INVALID = ["12345", "+44 12", "call me", "555-01", "+1 (415) 555", "4.47911E+11", "n/a", "+999 123 456 789"]


def _write(rng: random.Random, code: str, national: str) -> str:
    """One number in one of the ways people and spreadsheets write it."""
    if code == "1":
        a, e, s = national[:3], national[3:6], national[6:]
        return rng.choice(
            [f"({a}) {e}-{s}", f"{a}-{e}-{s}", f"+1 {a} {e} {s}", f"1{national}", f"{a}.{e}.{s}", f"+1 ({a}) {e}-{s}"]
        )
    spaced = " ".join(national[i : i + 3] for i in range(0, len(national), 3))
    return rng.choice(
        [f"+{code} {spaced}", f"00{code} {spaced}", f"{code}{national}", f"+{code}-{national[:3]}-{national[3:]}"]
    )


def rows(count: int):
    """Seeded rows of (name, phone as written): ~2% invalid, ~5% repeats of earlier numbers."""
    import phonenumbers

    rng = random.Random(SEED)
    weights = [w for _, _, w in COUNTRIES]
    recent: list[tuple[str, str]] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.02:
            yield f"Person {i}", rng.choice(INVALID)
            continue
        if roll < 0.07 and recent:
            code, national = rng.choice(recent)  # the same number again, maybe written another way
        else:
            code, make, _ = rng.choices(COUNTRIES, weights)[0]
            national = make(rng)
            while not phonenumbers.is_valid_number(phonenumbers.parse(f"+{code}{national}")):
                national = make(rng)  # keep the invalid rows to the intended ~2%
            recent.append((code, national))
            if len(recent) > 50_000:
                recent.pop(rng.randrange(len(recent)))
        yield f"Person {i}", _write(rng, code, national)


def generate(count: int, *, xlsx: bool = True) -> tuple[Path, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    stem = DATA / f"import-v{GENERATOR_VERSION}-{count}"
    csv_path, xlsx_path = stem.with_suffix(".csv"), stem.with_suffix(".xlsx")
    if not csv_path.exists():
        partial = csv_path.with_suffix(".partial")
        with open(partial, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Name", "Phone"])
            writer.writerows(rows(count))
        partial.rename(csv_path)
    if xlsx and not xlsx_path.exists():
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Contacts")
        sheet.append(["Name", "Phone"])
        for name, phone in rows(count):
            # Excel keeps a bare digit string as a number; so does this sheet.
            sheet.append([name, int(phone) if phone.isdigit() else phone])
        partial = xlsx_path.with_suffix(".partial")
        workbook.save(partial)
        partial.rename(xlsx_path)
    return csv_path, xlsx_path


# --- children: one measured run each ------------------------------------------------


def _bench_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-io", defaults={"email": "bench@example.com"})
    return user


def _drop_workspace(workspace_id: int) -> None:
    from django.db import connection

    from workspaces.models import Workspace

    # The big tables in one statement each; the ORM cascades through the rest.
    tables = ("optouts_optoutevent", "optouts_optout", "contacts_contact")
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace_id])  # noqa: S608
    Workspace.objects.filter(id=workspace_id).delete()
    # Vacuum now rather than let autovacuum run during the next measured run.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}, imports_seennumber, imports_invalidrow")


def _peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (VmHWM).

    Not ru_maxrss: Linux carries that over from the parent through fork and
    exec, so every child would report the parent's peak (the migration loader's).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return common.peak_rss_mb()


def _children_peak_rss_mb() -> float:
    """Peak resident memory of the largest finished child (the import's parser processes).

    Forked: it counts the pages they share with the import's process at the fork.
    """
    import resource

    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def child_import(path: Path) -> dict:
    from django.core.files import File

    from imports import engine, services
    from workspaces.models import Membership, Workspace

    workspace = Workspace.objects.create(name="Bench import", slug=f"bench-io-{uuid.uuid4().hex[:8]}")
    user = _bench_user()
    Membership.objects.create(workspace=workspace, user=user)
    try:
        with open(path, "rb") as handle:
            job = services.create_import(
                workspace=workspace, kind="optouts", upload=File(handle, name=path.name), actor=user, reason="bench"
            )
        services.start_import(job=job, phone_column=job.phone_index, reason="bench", queue=False)
        started = time.perf_counter()
        job = engine.run(job.id, retry=False)  # what the Celery task runs: task start to summary
        seconds = time.perf_counter() - started
        assert job.status == "succeeded", job.error
        summary = {k: getattr(job, k) for k in ("total_rows", "added", "duplicates", "existing", "invalid")}
        return {
            "seconds": seconds,
            "peak_rss_mb": _peak_rss_mb(),
            "parser_peak_rss_mb": _children_peak_rss_mb(),
            "summary": summary,
        }
    finally:
        _drop_workspace(workspace.id)


def child_baseline_import(path: Path, rules: str) -> dict:
    """Stream the file, normalise each number, COPY into an empty table. Nothing else.

    ``rules="spec"`` normalises as SPEC §3 says (emuchat.phones.parse: phonenumbers
    in the workspace's region, then ``00…``/bare digits as international), so it
    ends with the same numbers as the import; ``"plain"`` is one phonenumbers
    parse in the region, which is cheaper and loses the numbers written ``0044…``
    or ``447911…``.
    """
    import phonenumbers
    from django.db import connection

    from emuchat import phones
    from imports.reader import open_table

    e164 = phonenumbers.PhoneNumberFormat.E164

    def plain(raw: str) -> str | None:
        try:
            parsed = phonenumbers.parse(raw, REGION)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(parsed, e164) if phonenumbers.is_valid_number(parsed) else None

    normalise = {"spec": lambda raw: phones.parse(raw, REGION)[0], "plain": plain}[rules]
    table = f"bench_baseline_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (row_number integer, phone text)")
    try:
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} (row_number, phone) FROM STDIN") as copy:
            if path.suffix == ".csv":
                with open(path, newline="", encoding="utf-8-sig") as handle:
                    reader = csv.reader(handle)
                    next(reader)
                    for number, cells in enumerate(reader, start=2):
                        copy.write_row((number, normalise(cells[1])))
            else:
                with open_table(path) as sheet:
                    for number, cells in sheet.rows():
                        copy.write_row((number, normalise(cells[1])))
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "peak_rss_mb": _peak_rss_mb()}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")


def child_same_work_baseline(path: Path) -> dict:
    """The import's work in one process and the fewest statements: what the engine must beat.

    Stream the file, normalise each number as the import does (emuchat.phones.parse,
    no cache), COPY row, number, cell and problem into a temporary table, then add the
    numbers with one INSERT … ON CONFLICT DO NOTHING and their history events with one
    INSERT, in one transaction, into a fresh workspace like the import's.
    """
    import json as json_module

    from django.db import connection, transaction
    from django.utils import timezone

    from emuchat import phones
    from imports.reader import open_table
    from workspaces.models import Workspace

    workspace = Workspace.objects.create(name="Bench baseline", slug=f"bench-io-{uuid.uuid4().hex[:8]}")
    user = _bench_user()
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_staged (row_number integer, phone text, value text, problem text)"
                " ON COMMIT DROP"
            )
            with cursor.copy("COPY bench_staged (row_number, phone, value, problem) FROM STDIN") as copy:
                with open_table(path) as table:
                    for number, cells in table.rows():
                        raw = cells[1] if len(cells) > 1 else ""
                        e164, problem = phones.parse(raw, REGION)
                        copy.write_row((number, e164, "" if e164 else raw, problem))
            now = timezone.now()
            cursor.execute(
                """
                WITH added AS (
                    INSERT INTO optouts_optout
                        (workspace_id, phone, method, reason, created_at, updated_at, created_by_id)
                    SELECT %s, phone, 'import', 'bench', %s, %s, %s
                    FROM (SELECT DISTINCT ON (phone) phone FROM bench_staged WHERE phone IS NOT NULL
                          ORDER BY phone, row_number) AS first_rows
                    ON CONFLICT (workspace_id, phone) DO NOTHING
                    RETURNING phone
                )
                INSERT INTO optouts_optoutevent (workspace_id, phone, action, method, actor_id, at, details)
                SELECT %s, phone, 'opted_out', 'import', %s, %s, %s::jsonb FROM added
                """,
                [workspace.id, now, now, user.id, workspace.id, user.id, now, json_module.dumps({"reason": "bench"})],
            )
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "peak_rss_mb": _peak_rss_mb()}
    finally:
        _drop_workspace(workspace.id)


def export_workspace(count: int):
    """A workspace holding ``count`` opt-outs (and contacts for a tenth of them), made once."""
    from django.db import connection

    from optouts.models import OptOut
    from workspaces.models import Workspace

    workspace, _ = Workspace.objects.get_or_create(slug=f"bench-io-export-{count}", defaults={"name": "Bench export"})
    if OptOut.objects.filter(workspace=workspace).count() == count:
        return workspace
    _drop_workspace(workspace.id)
    workspace = Workspace.objects.create(slug=f"bench-io-export-{count}", name="Bench export")
    user = _bench_user()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO optouts_optout (workspace_id, phone, method, reason, created_at, updated_at, created_by_id)
            SELECT %s, '+1415' || lpad(i::text, 7, '0'),
                   (ARRAY['manual', 'reply', 'link', 'import'])[1 + i %% 4],
                   CASE WHEN i %% 11 = 0 THEN '=HYPERLINK("x")' WHEN i %% 3 = 0 THEN 'STOP please' ELSE '' END,
                   now() - make_interval(secs => i), now(),
                   CASE WHEN i %% 4 IN (0, 3) THEN %s END
            FROM generate_series(1, %s) AS i
            """,
            [workspace.id, user.id, count],
        )
        cursor.execute(
            """
            INSERT INTO contacts_contact (workspace_id, name, phone, email, created_at, updated_at)
            SELECT %s, 'Contact ' || i, '+1415' || lpad((i * 10)::text, 7, '0'), '', now(), now()
            FROM generate_series(1, %s) AS i
            """,
            [workspace.id, count // 10],
        )
        cursor.execute("ANALYZE optouts_optout")
        cursor.execute("ANALYZE contacts_contact")
    return workspace


def child_export(count: int) -> dict:
    from optouts import exports
    from optouts.models import ExportJob

    workspace = export_workspace(count)
    job = ExportJob.objects.create(workspace=workspace, requested_by=_bench_user())
    started = time.perf_counter()
    job = exports.run_export_job(job.id)
    seconds = time.perf_counter() - started
    assert job.status == "succeeded", job.error
    result = {"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "bytes": job.size, "rows": job.total_rows}
    job.file.delete(save=False)
    job.delete()
    return result


def child_baseline_export(count: int) -> dict:
    from django.db import connection

    workspace = export_workspace(count)
    out = DATA / f"baseline-export-{count}.csv"
    # The contact names by one hash join on the workspace's contacts, grouped
    # by number: the fastest form of this query we found.
    query = f"""
        COPY (
            SELECT o.phone, c.names, o.method, o.reason,
                   to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   u.username
            FROM optouts_optout o
            LEFT JOIN auth_user u ON u.id = o.created_by_id
            LEFT JOIN (
                SELECT phone, string_agg(name, '; ' ORDER BY name, id) AS names FROM contacts_contact
                WHERE workspace_id = {int(workspace.id)} AND name <> '' GROUP BY phone
            ) c ON c.phone = o.phone
            WHERE o.workspace_id = {int(workspace.id)}
            ORDER BY o.id
        ) TO STDOUT WITH CSV HEADER"""  # noqa: S608
    started = time.perf_counter()
    with open(out, "wb") as handle, connection.cursor() as cursor, cursor.copy(query) as copy:
        for block in copy:
            handle.write(block)
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "bytes": out.stat().st_size}
    out.unlink()
    return result


def _child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", required=True)
    parser.add_argument("--file")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--rules", default="spec")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emuchat.settings")
    # The parent created and migrated the database; a child only loads Django,
    # so its peak RSS is the work's and not the migration loader's.
    for name, value in (
        ("DEBUG", "false"),
        ("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789-abcdefghij"),
        ("SECURE_SSL_REDIRECT", "false"),
    ):
        os.environ.setdefault(name, value)
    import django

    django.setup()
    run = {
        "import": lambda: child_import(Path(args.file)),
        "baseline-import": lambda: child_baseline_import(Path(args.file), args.rules),
        "same-work": lambda: child_same_work_baseline(Path(args.file)),
        "export": lambda: child_export(args.rows),
        "baseline-export": lambda: child_baseline_export(args.rows),
    }[args.child]
    print("RESULT " + json.dumps(run()))


def _child(kind: str, **options) -> dict:
    command = [sys.executable, "-m", "bench.import_export", "--child", kind]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    print(f"   {kind:<16} {options} {figures['seconds']:.2f}s  peak RSS {figures['peak_rss_mb']} MB", flush=True)
    return figures


def _median(runs: list[dict], key: str = "seconds") -> float:
    return statistics.median(run[key] for run in runs)


def _peak_rss(runs: list[dict]) -> float:
    return max(run["peak_rss_mb"] for run in runs)


def _memory_result(name: str, runs: list[dict], small_runs: list[dict], small_name: str, repeat: int, **extra):
    """Flat memory: peak RSS at the full size against that at a tenth of it (target: within 1.2x)."""
    return common.result(
        name,
        _peak_rss(runs),
        "MB",
        baseline_name=small_name,
        baseline=_peak_rss(small_runs),
        target_ratio=1.2,
        repetitions=repeat,
        **extra,
    )


def _import_results(kind: str, path: Path, small_path: Path, count: int, small: int, repeat: int) -> list:
    print(f"-- import {kind}: {path.name} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)
    engine_runs, baseline_runs, plain_runs = [], [], []
    load_before = os.getloadavg()
    for _ in range(repeat):
        baseline_runs.append(_child("same-work", file=path))
        engine_runs.append(_child("import", file=path))
        plain_runs.append(_child("baseline-import", file=path, rules="plain"))
    load_after = os.getloadavg()
    small_runs = [_child("import", file=small_path) for _ in range(repeat)]
    seconds, baseline, plain = _median(engine_runs), _median(baseline_runs), _median(plain_runs)
    return [
        common.result(
            f"import_{kind}_{count}",
            seconds,
            "s",
            baseline_name="same work in one process: stream+normalise (SPEC §3)+COPY to a temp table+"
            "INSERT … ON CONFLICT+history events",
            baseline=baseline,
            target_ratio=0.8,
            rows_per_s=round(count / seconds),
            baseline_rows_per_s=round(count / baseline),
            plain_phonenumbers_baseline=round(plain, 3),
            ratio_vs_plain_phonenumbers=round(seconds / plain, 3),
            parse_processes=_parse_processes(),
            peak_rss_mb=_peak_rss(engine_runs),
            parser_peak_rss_mb=max(run["parser_peak_rss_mb"] for run in engine_runs),
            baseline_peak_rss_mb=_peak_rss(baseline_runs),
            summary=engine_runs[-1]["summary"],
            samples=[round(r["seconds"], 2) for r in engine_runs],
            baseline_samples=[round(r["seconds"], 2) for r in baseline_runs],
            plain_samples=[round(r["seconds"], 2) for r in plain_runs],
            load_average_before=[round(x, 2) for x in load_before],
            load_average_after=[round(x, 2) for x in load_after],
            repetitions=repeat,
        ),
        _memory_result(
            f"import_{kind}_peak_rss_{count}_vs_{small}",
            engine_runs,
            small_runs,
            f"peak RSS importing {small:,} rows",
            repeat,
            small_run_seconds=round(_median(small_runs), 2),
            parser_peak_rss_mb=max(run["parser_peak_rss_mb"] for run in engine_runs),
            small_parser_peak_rss_mb=max(run["parser_peak_rss_mb"] for run in small_runs),
        ),
    ]


def _parse_processes() -> int:
    from django.conf import settings

    return settings.IMPORT_PARSE_PROCESSES


def _export_results(count: int, small: int, repeat: int) -> list:
    print(f"-- export of {count:,} opt-outs", flush=True)
    engine_runs, baseline_runs = [], []
    for _ in range(repeat):
        baseline_runs.append(_child("baseline-export", rows=count))
        engine_runs.append(_child("export", rows=count))
    small_runs = [_child("export", rows=small) for _ in range(repeat)]
    seconds, baseline = _median(engine_runs), _median(baseline_runs)
    return [
        common.result(
            f"export_{count}",
            seconds,
            "s",
            baseline_name="COPY (SELECT …) TO STDOUT WITH CSV",
            baseline=baseline,
            target_ratio=2.0,
            rows_per_s=round(count / seconds),
            baseline_rows_per_s=round(count / baseline),
            peak_rss_mb=_peak_rss(engine_runs),
            baseline_peak_rss_mb=_peak_rss(baseline_runs),
            file_mb=round(engine_runs[-1]["bytes"] / 1e6, 1),
            samples=[round(r["seconds"], 2) for r in engine_runs],
            baseline_samples=[round(r["seconds"], 2) for r in baseline_runs],
            repetitions=repeat,
        ),
        _memory_result(
            f"export_peak_rss_{count}_vs_{small}",
            engine_runs,
            small_runs,
            f"peak RSS exporting {small:,} rows",
            repeat,
        ),
    ]


def main() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/emu_bench_io")
    os.environ.setdefault("MEDIA_ROOT", str(DATA / "media"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emuchat.settings")
    from bench import setup_db

    setup_db.ready()
    count = common.rows_from_env(1_000_000)
    small = max(count // 10, 1000)
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    # BENCH_PARTS=export re-measures one part; the others are kept from the last run of the same size.
    parts = os.environ.get("BENCH_PARTS", "csv,xlsx,export").split(",")
    print(f"-- generating {count:,} and {small:,} rows (cached in bench/data/)", flush=True)
    started = time.perf_counter()
    xlsx = "xlsx" in parts
    files = {"csv": generate(count, xlsx=xlsx), "small": generate(small, xlsx=xlsx)}
    print(f"   ready in {time.perf_counter() - started:.0f}s", flush=True)

    results = _earlier_results(count)
    for part in parts:
        if part == "export":
            fresh = _export_results(count, small, repeat)
        else:
            index = ("csv", "xlsx").index(part)
            fresh = _import_results(part, files["csv"][index], files["small"][index], count, small, repeat)
        names = {entry["name"] for entry in fresh}
        results = [entry for entry in results if entry["name"] not in names] + fresh
        path = _save_results(count, results)  # after every part: a crash keeps what was measured
    for entry in results:
        ratio, target = entry.get("ratio"), entry["target_ratio"]
        print(f"{entry['name']:<40} {entry['value']:>10} {entry['unit']}  ratio {ratio} (target {target})")
    print(f"wrote {path.relative_to(ROOT)}")


def _earlier_results(count: int) -> list[dict]:
    RESULTS = common.RESULTS

    try:
        document = json.loads((RESULTS / "import_export.json").read_text())
    except (OSError, ValueError):
        return []
    return document["results"] if document.get("workload", "").startswith(f"{count:,} ") else []


def _save_results(count: int, results: list[dict]) -> Path:
    return common.write(
        "import_export",
        f"{count:,} mixed-format numbers (US national writings; GB, FR, DE, AU, IN with +, 00 or bare digits; "
        f"~2% invalid, ~5% repeats), as CSV and as XLSX; export of {count:,} opt-outs with contacts for a tenth",
        results,
        database=common.postgres_version(),
        notes=(
            "Each figure is the median of `repetitions` runs, each in its own subprocess (peak RSS = ru_maxrss of "
            "that process, Django loaded; parser_peak_rss_mb = the largest of its parser processes). Import = "
            "engine.run (the Celery task body) from claim to summary: read the whole file once to check it, then "
            "read it again, parse_processes forked processes reading the numbers (a bounded cache for repeats) "
            "while the import's process writes batches of 1,000 with per-number locks and one event per number. "
            "The baseline is the same work in one process with the fewest statements (SPEC §3 rules, COPY to a "
            "temporary table, one INSERT … ON CONFLICT, one INSERT of events); plain_phonenumbers_baseline does "
            "one phonenumbers parse per row, COPYed to an empty table, and so loses ~30% of this data's numbers. "
            "Both read the file with the import's reader (imports.reader). The machine is shared: see "
            "load_average_before/after (1, 5, 15 min). "
            "Export = run_export_job (the task body): on PostgreSQL the rows stream from one COPY (formula "
            "neutralisation in SQL; progress written by a second connection) to a partial file moved into storage "
            "when complete. Export baseline: "
            "COPY (SELECT …) TO STDOUT WITH CSV with the same columns (contacts by hash join), to a local file."
        ),
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child_main(sys.argv[1:])
    else:
        main()

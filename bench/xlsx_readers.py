"""Compare XLSX readers for the import engine: rows/s and peak RSS.

Usage: ``python bench/xlsx_readers.py [--rows 100000] [--keep PATH] [--readers a,b]``

Writes a sheet shaped like a real opt-out list (phone as a number, phone as
text, name, email, date), then reads it in a fresh subprocess per reader so
each peak RSS (``ru_maxrss``) belongs to that reader alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READERS = ("openpyxl-read-only", "calamine", "imports.reader")


def write_sheet(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Opt-outs")
    sheet.append(["Phone", "Mobile (text)", "Name", "Email", "Opted out"])
    start = dt.datetime(2024, 1, 1)
    for i in range(rows):
        sheet.append(
            [
                447911000000 + i,
                f"+44 7911 {i:06d}",
                f"Contact {i}",
                f"contact{i}@example.com",
                start + dt.timedelta(minutes=i),
            ]
        )
    workbook.save(path)


def read_openpyxl(path: str) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        [str(value) for value in row]
        count += 1
    workbook.close()
    return count


def read_calamine(path: str) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(path)
    count = 0
    for row in workbook.get_sheet_by_index(0).iter_rows():
        [str(value) for value in row]
        count += 1
    workbook.close()
    return count


def read_engine(path: str) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from imports.reader import open_table

    count = 1  # the header row, to match the raw readers' counts
    with open_table(path) as table:
        for _ in table.rows():
            count += 1
    return count


def measure_in_this_process(reader: str, path: str) -> dict[str, object]:
    function = {
        "openpyxl-read-only": read_openpyxl,
        "calamine": read_calamine,
        "imports.reader": read_engine,
    }[reader]
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = function(path)
    seconds = time.perf_counter() - started
    # CPU time too: on a shared machine wall time varies with the neighbours' load.
    cpu_seconds = time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "reader": reader,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds),
        "rows_per_cpu_s": round(rows / cpu_seconds),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "peak_rss_above_start_mib": round((peak_kib - baseline_kib) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", help="reuse/keep the sheet at this path")
    parser.add_argument("--readers", default=",".join(READERS), help="comma-separated subset of " + ", ".join(READERS))
    parser.add_argument("--child", choices=READERS, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure_in_this_process(args.child, args.file)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "sheet.xlsx"
        if not path.exists():
            started = time.perf_counter()
            write_sheet(path, args.rows)
            print(
                f"wrote {args.rows} rows in {time.perf_counter() - started:.1f}s, {path.stat().st_size / 1e6:.1f} MB",
                flush=True,
            )
        for reader in args.readers.split(","):
            result = subprocess.run(
                [sys.executable, __file__, "--child", reader, "--file", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(result.stdout)
            print(
                f"{figures['reader']:<20} {figures['rows']:>9} rows "
                f"{figures['rows_per_s']:>7} rows/s ({figures['rows_per_cpu_s']} per CPU s)  "
                f"peak RSS {figures['peak_rss_mib']} MiB "
                f"(+{figures['peak_rss_above_start_mib']} MiB while reading)",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""`make bench [ONLY=name]`: run every benchmark in bench/ (each a module with main())."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ["guard", "pages", "import_export", "delivery", "web", "bulk_send", "evidence"]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emuchat.settings")
    names = [n for n in argv if n] or BENCHMARKS
    failed = []
    for name in names:
        if not (ROOT / "bench" / f"{name}.py").exists():
            print(f"!! bench/{name}.py does not exist yet")
            failed.append(name)
            continue
        print(f"== bench {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

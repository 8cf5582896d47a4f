"""``make mutation``: mutmut over the modules that keep the opt-out promise, one score line at the end.

    .venv/bin/python tests/mutants/mutation.py [--keep] [--survivors] [--max-children 2]

Copies the project into ``build/mutation/`` (the working tree is never
touched), writes mutmut's settings there from ``SCOPE`` and ``TESTS`` below,
runs ``mutmut run`` on the embedded defaults (SQLite, tasks in-process: the
covering tests pass on it and it costs a fraction of PostgreSQL; two children,
each on its own copy of the test database), then prints every surviving mutant
and, last, exactly one line: ``mutation score: K/N (P%)``. A mutant no test
reaches counts as survived; a timeout counts as killed; the mutants named in
``EQUIVALENT`` are left out. ``--survivors`` re-runs only what the last run
(``build/mutation-results.json``) did not kill.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "mutation"

# What is mutated, module by module: "*" for every function, else the function names
# that are in scope. The one place to update when a module moves (messaging/guard.py, issue 11).
SCOPE: dict[str, str | list[str]] = {
    "emuchat/phones.py": "*",
    # The one clean-up of inbound text (issue 17 moved optouts.keywords.clean_text here).
    "emuchat/text.py": "*",
    "optouts/keywords.py": "*",
    # All but the PostgreSQL-only bulk insert: this run is on SQLite (see docs/decisions.md).
    "optouts/services.py": [
        "_record",
        "_already_opted_out",
        "_check_method",
        "opt_out",
        "add_opt_out",
        "opt_in",
        "edit_opt_out",
        "remove_opt_out",
        "_e164",
        "is_opted_out",
        "opted_out_among",
        "import_batch",
        "_insert_imported_orm",
    ],
    # The guard: its one module, the exemption it asks compliance about, and the delivery round
    # that calls it inside the transaction, plus the creation-time callers in messaging/services.py.
    "messaging/guard.py": "*",
    "compliance/guard.py": "*",
    "messaging/delivery.py": ["_claim", "_round", "record_provider_opt_out"],
    "messaging/services.py": ["send_message", "send_bulk"],
}
# Lines that only run on PostgreSQL: on this SQLite run their mutants cannot die, so they are not
# generated. tests/mutants/lock_mutants.py and the PostgreSQL suite cover them (docs/decisions.md).
POSTGRESQL_ONLY_LINES = [
    r'connection\.vendor == "postgresql"',
    r"_insert_imported_pg\(",
    r"lock_(?:numbers|pairs)\(.*shared=True",
]
# Surviving mutants that change nothing anyone can observe, left out of the score (each one is listed
# with its reason in docs/decisions.md, issue 17). Names are mutmut's: re-check them when a function changes.
_DEFAULT_REGION = "phonenumbers reads a number with a leading + the same with no, an unknown or the default region"
_BIGGER_QUERY = "a filter left out: a bigger query, and the set difference after it gives the same numbers"
_SAME_ROW = "save() of every field instead of the changed ones writes the same row"
EQUIVALENT: dict[str, str] = {
    "emuchat.phones.x_search_digits__mutmut_1": "the default region '' or 'XXXX': both unknown, parse() reads the same",
    "emuchat.phones.x_search_digits__mutmut_4": "an empty query becomes 'XXXX' instead of '': neither has a digit",
    "emuchat.phones.x_search_digits__mutmut_7": "parse('') is tried anyway: an empty text parses to nothing",
    "emuchat.phones.x_search_digits__mutmut_12": "the unused reason of an empty query",
    "emuchat.phones.x_mask__mutmut_4": "phonenumbers.parse(e164) without None: None is the default",
    "emuchat.phones.x_mask__mutmut_15": "max(hidden, 1) for max(hidden, 0): fewer than 3 hidden digits show one group",
    "messaging.services.x_send_message__mutmut_74": "an exempt text ignores its schedule: both callers "
    "(the opt-out confirmation and the HELP reply) send at once, never scheduled",
    "messaging.services.x_send_message__mutmut_76": _SAME_ROW,
    "messaging.delivery.x_record_provider_opt_out__mutmut_2": _DEFAULT_REGION,
    "messaging.delivery.x_record_provider_opt_out__mutmut_5": _DEFAULT_REGION,
    "messaging.delivery.x_record_provider_opt_out__mutmut_6": "the check is never true for a text the guard let "
    "through: the guard refuses (raises on) a to_phone that does not parse, before any provider call",
    "messaging.delivery.x_record_provider_opt_out__mutmut_14": "error_code left to its default 21610: the only "
    "code in PROVIDER_UNSUBSCRIBED",
    "optouts.services.x_edit_opt_out__mutmut_30": _SAME_ROW,
    "optouts.services.x_import_batch__mutmut_68": "the import's own events without workspace=: an import id "
    "belongs to one workspace",
    "optouts.services.x_import_batch__mutmut_69": _BIGGER_QUERY,
    "optouts.services.x_import_batch__mutmut_70": "without action=: an import writes only opted_out events",
    "optouts.services.x__insert_imported_orm__mutmut_10": _BIGGER_QUERY,
    "optouts.keywords.x_match_keyword__mutmut_6": "normalize() reads a missing text as ''",
    "optouts.keywords.x_match_keyword__mutmut_9": "an empty text read as 'XXXX' instead of '': no keyword either "
    "way (only a workspace keyword spelt XXXX would tell them apart)",
}
# The tests that cover them: fast, no browser, no worker.
TESTS = [
    "tests/optouts/test_phones.py",
    "tests/optouts/test_keywords.py",
    "tests/optouts/test_keyword_precedence.py",
    "tests/optouts/test_services.py",
    "tests/optouts/test_workspace_scope.py",
    "tests/optouts/test_opted_out_among.py",
    "tests/messaging/test_guard.py",
    "tests/messaging/test_bulk_guard.py",
    "tests/compliance/test_confirmation.py",
    "tests/compliance/test_keyword_packs.py",
    "tests/compliance/test_links.py",
    "tests/compliance/test_guard_exemption.py",
    "tests/optouts/test_edit_and_remove.py",
    "tests/optouts/test_add_and_opt_in.py",
    "tests/optouts/test_writer_locks.py",
    "tests/optouts/test_import_batch.py",
    "tests/workspaces/test_bad_bytes.py",
    "tests/messaging/test_delivery_steps.py",
    "tests/messaging/test_provider_unsubscribed.py",
    "tests/messaging/test_send_message.py",
    "tests/imports/test_optouts_import.py::test_the_portable_insert_used_off_postgresql_adds_the_same_rows_and_events",
    "tests/imports/test_optouts_import.py::test_import_batch_off_postgresql_names_the_import_and_reason_on_each_event",
]
# Every top-level package: mutmut copies them so the mutated modules import as usual.
PACKAGES = [
    "emuchat",
    "workspaces",
    "contacts",
    "optouts",
    "imports",
    "conversations",
    "messaging",
    "compliance",
    "api",
]
ALSO_COPY = ["manage.py", "templates", "static", "demo"]


PYTEST_ARGS = ["-p", "no:playwright", "-p", "emuchat.mutation_db", "-q", "--no-header", "-W", "ignore"]
PYTEST_ARGS += ["--ds", "emuchat.mutation_settings"]


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def prepare() -> None:
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "mutants", "media")
    for name in [*PACKAGES, *ALSO_COPY, "tests"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, WORK / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, WORK / name)
    pyproject = (ROOT / "pyproject.toml").read_text()
    pyproject = re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", pyproject)
    escaped_patterns = [pattern.replace("\\", "\\\\").replace('"', '\\"') for pattern in POSTGRESQL_ONLY_LINES]
    existing_tests = [test for test in TESTS if (ROOT / test.split("::")[0]).exists()]
    pyproject += f"""
[tool.mutmut]
source_paths = {_toml_list([name for name in PACKAGES if (ROOT / name).is_dir()])}
only_mutate = {_toml_list(list(SCOPE))}
do_not_mutate_patterns = {_toml_list(escaped_patterns)}
also_copy = {_toml_list([name for name in ALSO_COPY if (ROOT / name).exists()])}
pytest_add_cli_args_test_selection = {_toml_list(existing_tests)}
pytest_add_cli_args = {_toml_list(PYTEST_ARGS)}
"""
    (WORK / "pyproject.toml").write_text(pyproject)
    # One SQLite test database on disk, built once (the first pytest session keeps it as the template)
    # and copied for every mutant's run (--reuse-db): an in-memory one would be migrated again for each
    # mutant, and one shared file would take one writer at a time, so children could not run side by side.
    (WORK / "emuchat" / "mutation_settings.py").write_text(
        "from emuchat.settings import *  # noqa: F403\n\n"
        f"DATABASES['default']['TEST'] = {{'NAME': {str(WORK / 'mutation-test.sqlite3')!r}}}\n"
    )
    (WORK / "emuchat" / "mutation_db.py").write_text(PER_PROCESS_DATABASE)


# A pytest plugin (``-p emuchat.mutation_db``): each pytest session (mutmut forks one per mutant) works on
# its own copy of the template test database, so ``--max-children`` above 1 never shares a writer.
PER_PROCESS_DATABASE = '''"""Each pytest session on its own copy of the SQLite test database (tests/mutants)."""

import os
import shutil
from pathlib import Path

from django.conf import settings

_state = {}


def pytest_configure(config):
    test = settings.DATABASES["default"]["TEST"]
    template = Path(_state.setdefault("template", test["NAME"]))
    own = template.with_name(f"{template.stem}-{os.getpid()}{template.suffix}")
    if template.exists():
        shutil.copyfile(template, own)
    test["NAME"] = str(own)
    _state["own"] = own


def pytest_unconfigure(config):
    template, own = Path(_state["template"]), _state.pop("own")
    settings.DATABASES["default"]["TEST"]["NAME"] = str(template)
    if own.exists() and not template.exists():
        os.replace(own, template)
    else:
        own.unlink(missing_ok=True)
'''


def mutant_patterns() -> list[str]:
    """mutmut's mutant names are ``<dotted module>.x_<function>__mutmut_<n>`` (methods: ``xǁClassǁname``)."""
    patterns = []
    for path, functions in SCOPE.items():
        module = path.removesuffix(".py").replace("/", ".")
        if functions == "*":
            patterns.append(f"{module}.*")
        else:
            patterns += [f"{module}.x_{function}__mutmut_*" for function in functions]
    return patterns


def in_scope(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in mutant_patterns())


RESULTS = ROOT / "build" / "mutation-results.json"
KILLED = {"killed", "timeout"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep build/mutation for `mutmut show <name>`")
    # Two children: each mutant's tests run on their own copy of the SQLite test database (mutation_db).
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--show", action="store_true", help="print each survivor's diff (slow: one mutmut call each)")
    parser.add_argument(
        "--report-only", action="store_true", help="score what a kept (maybe unfinished) build/mutation holds"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help=f"run only what the last run ({RESULTS.name}) did not kill: survivors, mutants it did not reach and new "
        "ones; the others keep their result (a kill stays a kill while tests are only added)",
    )
    parser.add_argument(
        "--fail-under", type=float, default=0.0, help="exit 1 when the score is below this percentage (CI: 90)"
    )
    args = parser.parse_args()
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CI"}}
    if args.report_only:
        return report(mutmut, env, keep=True, show=args.show, fail_under=args.fail_under)
    previous = json.loads(RESULTS.read_text()) if args.survivors and RESULTS.exists() else {}
    prepare()
    patterns = mutant_patterns()
    if previous:
        # Generates the mutants (and the stats) only: the name matches none, so mutmut stops there.
        subprocess.run(
            [mutmut, "run", "--max-children", str(args.max_children), "no-such-mutant"],
            cwd=WORK,
            env=env,
            capture_output=True,
        )
        names = [name for name in _statuses(mutmut, env) if in_scope(name)]
        patterns = [name for name in names if previous.get(name, "survived") not in KILLED]
        print(f"re-running {len(patterns)} of {len(names)} mutants (survivors and new ones)")
    run = subprocess.run([mutmut, "run", "--max-children", str(args.max_children), *patterns], cwd=WORK, env=env)
    if run.returncode != 0:
        print(f"mutmut run failed with exit status {run.returncode}", file=sys.stderr)
        return run.returncode
    return report(mutmut, env, keep=args.keep, show=args.show, previous=previous, fail_under=args.fail_under)


def _statuses(mutmut: Path, env: dict[str, str]) -> dict[str, str]:
    listing = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=WORK, env=env, capture_output=True, text=True, check=True
    ).stdout
    return {name: status.strip() for name, status in re.findall(r"^\s*(\S+): (.+)$", listing, flags=re.M)}


def report(
    mutmut: Path,
    env: dict[str, str],
    *,
    keep: bool,
    show: bool,
    previous: dict[str, str] | None = None,
    fail_under: float = 0.0,
) -> int:
    scored = {name: status for name, status in _statuses(mutmut, env).items() if in_scope(name)}
    for name, status in scored.items():
        if status == "not checked" and (previous or {}).get(name) in KILLED:
            scored[name] = previous[name]
    RESULTS.write_text(json.dumps(scored, indent=0, sort_keys=True))
    unchecked = [name for name, status in scored.items() if status == "not checked"]
    if unchecked:
        print(f"{len(unchecked)} mutants not run yet (unfinished run): left out of the score below")
        scored = {name: status for name, status in scored.items() if status != "not checked"}
    stale = sorted(set(EQUIVALENT) - set(scored))
    if stale:
        print(f"EQUIVALENT names no mutant has any more (update the list): {', '.join(stale)}")
    equivalent = sorted(name for name, status in scored.items() if status not in KILLED and name in EQUIVALENT)
    for name in equivalent:
        print(f"equivalent, left out: {name}: {EQUIVALENT[name]}")
        del scored[name]
    # A timeout is a kill: mutmut limits CPU seconds (not wall time), so only a mutant that really made
    # the code far slower (a 100,000-query loop) runs out of them.
    survivors = sorted(name for name, status in scored.items() if status not in KILLED)
    killed = len(scored) - len(survivors)
    for name in survivors:
        print(f"survived: {name}")
        if show:
            diff = subprocess.run([mutmut, "show", name], cwd=WORK, env=env, capture_output=True, text=True).stdout
            print(diff.rstrip() + "\n")
    if not keep:
        shutil.rmtree(WORK, ignore_errors=True)
    total = len(scored)
    percent = 100 * killed / total if total else 0.0
    print(f"mutation score: {killed}/{total} ({percent:.1f}%)")
    if not total or percent < fail_under:
        print(f"!! below the {fail_under:.0f}% the team holds (docs/decisions.md, issue 17)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A big import reads its numbers in worker processes; the result is exactly the in-process one."""

from __future__ import annotations

import pytest

from imports import engine, parsing
from imports.mapping import Columns
from imports.models import JobStatus
from optouts.models import OptOut, OptOutEvent

from .files import write_csv
from .importing import run_import

WRITINGS = ["(415) 555-0123", "0044 2079460002", "447911123456", "not a number", "+1 415 555 0123", "", "+33612345678"]
ROWS = [["Name", "Phone"]] + [[f"Person {i}", writing] for i, writing in enumerate(WRITINGS * 9)]


def _summary(job):
    return (job.status, job.total_rows, job.added, job.duplicates, job.existing, job.invalid)


@pytest.mark.parametrize("processes", [1, 2])
def test_parsing_in_worker_processes_imports_exactly_what_parsing_in_process_does(
    workspace, member, tmp_path, monkeypatch, settings, django_capture_on_commit_callbacks, processes
):
    monkeypatch.setattr(engine, "BATCH", 5)  # many batches in flight, answered in file order
    path = write_csv(tmp_path / "list.csv", ROWS)
    settings.IMPORT_PARSE_PROCESSES = 0
    here = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)
    expected = (_summary(here), set(OptOut.objects.values_list("phone", flat=True)))
    OptOut.objects.all().delete()
    OptOutEvent.objects.all().delete()

    settings.IMPORT_PARSE_PROCESSES = processes
    monkeypatch.setattr(engine, "PARALLEL_FROM_ROWS", 1)
    started = []
    real = parsing.in_workers
    monkeypatch.setattr(parsing, "in_workers", lambda *a, **kw: started.append(kw["processes"]) or real(*a, **kw))
    there = run_import(workspace, path, django_capture_on_commit_callbacks, actor=member)

    assert started == [processes]
    assert (_summary(there), set(OptOut.objects.values_list("phone", flat=True))) == expected
    assert _summary(there) == (JobStatus.SUCCEEDED, 63, 4, 41, 0, 18)


def test_worker_batches_come_back_in_file_order():
    batches = [[(row, [f"+1 415 555 {row:04d}"])] for row in range(2, 40)]
    with parsing.in_workers("optouts", Columns(0), "US", processes=2) as parse:
        numbers = [rows[0].number for rows in parse(batches)]
    assert numbers == list(range(2, 40))


def _parse_in_a_daemonic_process(answers):
    with parsing.in_workers("optouts", Columns(0), "US", processes=2) as parse:
        answers.put(None if parse is None else [rows[0].phone for rows in parse([[(2, ["(415) 555-0123"])]])])


def test_a_prefork_celery_worker_can_start_the_parser_processes():
    """Celery's prefork children are daemonic; multiprocessing would refuse to fork from them."""
    import billiard

    answers = billiard.get_context("fork").Queue()
    worker = billiard.get_context("fork").Process(target=_parse_in_a_daemonic_process, args=(answers,), daemon=True)
    worker.start()
    try:
        assert answers.get(timeout=60) == ["+14155550123"]
    finally:
        worker.join(timeout=60)

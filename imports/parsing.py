"""Reading numbers in other processes while the import's own process writes.

Parsing a number (phonenumbers, SPEC §3) is pure Python and about half an
import's time; in threads it would hold the GIL the writer needs. Worker
processes (forked, so they share the registered targets and never touch the
database) parse batch *k + 1 … k + n* while batch *k* is written. Batches come
back in file order, and at most a few are in flight, so memory stays flat.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator

import billiard

from . import targets
from .mapping import Columns, RowReader, StagedRow

log = logging.getLogger(__name__)

RawBatch = list[tuple[int, list[str]]]
Parse = Callable[[Iterable[RawBatch]], Iterator[list[StagedRow]]]

_readers: dict[tuple[str, Columns, str], RowReader] = {}


def _parse_batch(target: str, columns: Columns, region: str, batch: RawBatch) -> list[tuple]:
    """In a worker process: one batch of cells to plain tuples (cheaper to pickle than dataclasses)."""
    key = (target, columns, region)
    read = _readers.get(key)
    if read is None:
        read = _readers[key] = targets.get(target).parser(columns, region)
    return [_as_tuple(read(number, cells)) for number, cells in batch]


def _as_tuple(row: StagedRow) -> tuple:
    return (row.number, row.phone, row.value, row.problem, row.name, row.email, row.raw, row.consent)


def in_process(read: RowReader) -> Parse:
    def parse(batches: Iterable[RawBatch]) -> Iterator[list[StagedRow]]:
        for batch in batches:
            yield [read(number, cells) for number, cells in batch]

    return parse


@contextlib.contextmanager
def in_workers(target: str, columns: Columns, region: str, *, processes: int) -> Iterator[Parse | None]:
    """A parse function backed by ``processes`` forked workers, or None if they cannot start.

    billiard (Celery's fork of multiprocessing) rather than multiprocessing:
    a prefork Celery worker's process is daemonic, and only billiard lets a
    daemonic process have children. If they still cannot start, the caller
    parses in its own process, as before.
    """
    try:
        pool = billiard.get_context("fork").Pool(processes)
    except (AssertionError, OSError, ValueError) as error:
        log.warning("Import parses in its own process: no worker processes (%s).", error)
        yield None
        return
    in_flight = 2 * processes  # enough to keep every worker busy while one batch is written

    def parse(batches: Iterable[RawBatch]) -> Iterator[list[StagedRow]]:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.apply_async(_parse_batch, (target, columns, region, batch)))
            if len(pending) > in_flight:
                yield [StagedRow(*row) for row in pending.popleft().get()]
        while pending:
            yield [StagedRow(*row) for row in pending.popleft().get()]

    try:
        yield parse
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()

"""Files in Django's default storage, as local paths the reader can open."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile

_CHUNK = 1024 * 1024


@contextlib.contextmanager
def local_path(field_file: FieldFile) -> Iterator[Path]:
    """The file on this machine: in place on a local disk, else copied (streamed) to a temp file.

    Uploads are kept in storage so that a worker on another machine (S3 and
    the like) can read them; the reader itself needs a seekable local file.
    """
    storage = field_file.storage
    try:
        yield Path(storage.path(field_file.name))
        return
    except NotImplementedError:
        pass
    suffix = Path(field_file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        with storage.open(field_file.name, "rb") as source:
            shutil.copyfileobj(source, copy, _CHUNK)
        copy.flush()
        yield Path(copy.name)


def delete_quietly(field_file: FieldFile) -> None:
    if field_file and field_file.name:
        with contextlib.suppress(FileNotFoundError):
            field_file.storage.delete(field_file.name)


class _LocalFile(File):
    """A local file that storage may move into place instead of copying.

    FileSystemStorage renames a file that has ``temporary_file_path``; other
    storages read it like any file.
    """

    def __init__(self, handle, path: Path, name: str) -> None:
        super().__init__(handle, name=name)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def partial_dir() -> Path:
    """Where files are written before they are complete: inside local storage if we have it.

    Same filesystem as the final name, so moving into place is a rename.
    """
    try:
        folder = Path(default_storage.path(".partial"))
    except NotImplementedError:
        folder = Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def move_into_place(local_file: Path, name: str) -> str:
    """Give a complete local file its final storage ``name`` (replacing an earlier attempt's)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with open(local_file, "rb") as handle:
        stored = default_storage.save(name, _LocalFile(handle, local_file, Path(name).name))
    with contextlib.suppress(FileNotFoundError):
        local_file.unlink()  # still there when the storage copied instead of moving
    return stored

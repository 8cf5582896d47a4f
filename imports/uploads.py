"""An upload handler that stops a file at the size cap while it is still arriving."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat


class SizeCapHandler(FileUploadHandler):
    """Counts the bytes of each file as they stream in and stops the upload past ``limit``.

    Put it before the handler that stores the data: nothing beyond the cap is
    written anywhere. The rest of the request body is read and discarded
    (``connection_reset=False``) so the browser gets the page with the error
    instead of a reset connection.
    """

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False
        self._received = 0

    def new_file(self, *args, **kwargs) -> None:
        self._received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received += len(raw_data)
        if self._received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    @property
    def message(self) -> str:
        return f"This file is larger than the {filesizeformat(self.limit)} limit. Split it into smaller files."


def install(request: HttpRequest, limit: int) -> SizeCapHandler:
    """Replace the request's upload handlers; call before anything reads ``request.POST``."""
    cap = SizeCapHandler(request, limit=limit)
    request.upload_handlers = [cap, TemporaryFileUploadHandler(request)]
    return cap

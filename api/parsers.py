"""The API's JSON parser: refuses text no database can store (issue 12, bad bytes)."""

from __future__ import annotations

from rest_framework import exceptions, parsers

from emuchat.text import is_clean


def _all_clean(value) -> bool:
    if isinstance(value, str):
        return is_clean(value)
    if isinstance(value, dict):
        return all(_all_clean(k) and _all_clean(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_all_clean(item) for item in value)
    return True


class JSONParser(parsers.JSONParser):
    """JSON may spell a NUL (``\\u0000``) or a lone surrogate (``\\ud800``); neither is text: 400.

    Refused here, before any serializer can echo the value back in an error
    message (which could not even be encoded as UTF-8).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not _all_clean(data):
            raise exceptions.ParseError("The body contains a NUL character or a lone UTF-16 surrogate.")
        return data

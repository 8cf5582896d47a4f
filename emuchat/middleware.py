"""Request clean-up every page gets before its view runs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict

from .text import clean_text, is_clean


def _cleaned(data: QueryDict) -> QueryDict:
    if all(is_clean(key) and all(is_clean(v) for v in values) for key, values in data.lists()):
        return data
    copy = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        copy.setlist(clean_text(key), [clean_text(v) for v in values])
    copy._mutable = False
    return copy


class CleanInputMiddleware:
    """Drops NUL (and replaces lone surrogates) in query parameters; a path with NUL is a 400.

    Bodies are not touched here: reading one early would stop an upload view from
    setting its own upload handlers, and the webhook's signature covers the exact
    form Twilio sent. Posted fields go through Django form fields (which refuse
    NUL with a form error) or DRF serializer fields (NUL and surrogates: 400).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_clean(request.path):
            return HttpResponseBadRequest("Bad request: the address contains characters that are not allowed.")
        request.GET = _cleaned(request.GET)
        return self.get_response(request)

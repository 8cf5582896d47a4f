"""Bad bytes are input, not crashes (issue 12, item 5): a fixed corpus against every page and the API.

Every member page (found by walking the URL configuration, not listed by hand)
gets each hostile value in each query parameter it reads, and every form found
on those pages is posted with each hostile value in each field. The API gets
the same in each query parameter its schema documents, in its path parameters
and in each JSON body property. No answer may be a 500, and no HTML page may
echo the markup unescaped. Meaningful on PostgreSQL (NUL is a 500 there, not
on SQLite); it runs on both.

The values are sent as raw bytes, the way a hostile client would: a lone
surrogate cannot travel as UTF-8, so the CESU-8 bytes of one (and other
invalid UTF-8) are what arrives; in JSON, ``"\\ud800"`` really decodes to one.
"""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes, urlencode, urlparse

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from api import services as api_services
from contacts.models import Contact
from messaging import services as messaging_services
from optouts import services as optout_services
from optouts.models import Method, OptOut

pytestmark = pytest.mark.integration

SCRIPT = "<script>alert('x')</script>"
# (label, raw query/form bytes, the same as a Python string for JSON)
CORPUS: list[tuple[str, bytes, str]] = [
    ("nul", b"\x00", "\x00"),
    ("nul-inside", b"ab\x00cd", "ab\x00cd"),
    ("lone-surrogate", b"\xed\xa0\x80", "\ud800"),
    ("invalid-utf8", b"\xff\xfe\xc3", "\udcff"),
    ("100kB", b"A" * 100_000, "A" * 100_000),
    ("100kB-multibyte", "é".encode() * 50_000, "é" * 50_000),
    ("rtl-marks", "\u202e\u200f\u061c+1 415\u200e".encode(), "\u202e\u200f\u061c+1 415\u200e"),
    ("html", SCRIPT.encode() + b"\"'&<b>", SCRIPT + "\"'&<b>"),
]
IDS = [label for label, _, _ in CORPUS]
# Forms are posted field by field, so they get one value per kind of trouble:
# refused (NUL), replaced (broken UTF-8), too long, and odd-but-valid text that reaches the services.
FORM_CORPUS = [item for item in CORPUS if item[0] in {"nul-inside", "invalid-utf8", "100kB", "rtl-marks", "html"}]
# Query parameters the pages read (request.GET in the views) and a few any page might be sent.
PAGE_PARAMETERS = ["q", "status", "method", "page", "to", "contact", "contacts", "next", "sort", "filter"]
SKIPPED = {"logout", "password_reset_confirm", "webhooks:twilio_sms", "webhooks:twilio_status", "api:schema"}


def _routes() -> list[tuple[str, list[str]]]:
    """(URL name, its path parameters) of every named page outside the admin."""

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                inner = ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
                for name, params in walk(pattern.url_patterns, inner):
                    yield name, list(getattr(pattern.pattern, "converters", {})) + params
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, list(getattr(pattern.pattern, "converters", {}))

    return sorted({name: params for name, params in walk(get_resolver().url_patterns, None)}.items())


ROUTES = [(name, params) for name, params in _routes() if name not in SKIPPED]
PAGES = [name for name, _ in ROUTES if not name.startswith("api:")]


class _Forms(HTMLParser):
    """The forms of a page: action, method, enctype and the names and values of their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._by_id: dict[str, dict] = {}
        self._detached: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").lower(),
                "multipart": "multipart" in (attrs.get("enctype") or ""),
                "fields": {},
            }
            self.forms.append(form)
            if attrs.get("id"):
                self._by_id[attrs["id"]] = form
        elif tag in ("input", "textarea", "select") and attrs.get("name"):
            if attrs.get("type") in ("submit", "file", "button"):
                return
            value = attrs.get("value") or ""
            if attrs.get("form"):
                self._detached.append((attrs["form"], attrs["name"], value))
            elif self.forms:
                self.forms[-1]["fields"].setdefault(attrs["name"], value)

    def close(self):
        super().close()
        for form_id, name, value in self._detached:
            if form_id in self._by_id:
                self._by_id[form_id]["fields"].setdefault(name, value)


@pytest.fixture
def world(workspace, member, client):
    """One of everything a page can be about, so the pages with a <pk> really render."""
    client.force_login(member)
    contact = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    message = messaging_services.send_message(workspace=workspace, to=contact.phone, body="Hello {opt_out_link}")
    optout_services.opt_out(workspace=workspace, phone="+14155550188", method=Method.MANUAL, reason="asked")
    optout = OptOut.objects.get(phone="+14155550188")
    token, secret = api_services.create_token(workspace=workspace, name="Fuzz CRM", actor=member)
    upload = io.BytesIO(b"phone,name\n+14155550177,Eve\n")
    upload.name = "people.csv"
    imported = client.post(reverse("contacts:import", kwargs={"slug": "acme"}), {"file": upload})
    import_pk = int(re.findall(r"/(\d+)/", imported.get("Location", "/0/"))[-1] or 0)
    client.post(reverse("optouts:export", kwargs={"slug": "acme"}))
    from optouts.models import ExportJob

    export = ExportJob.objects.filter(workspace=workspace).order_by("-id").first()
    pks = {
        "contacts": contact.pk,
        "conversations": message.conversation_id,
        "optouts": optout.pk,
        "compliance": optout.pk,
        "api_tokens": token.pk,
    }
    code = message.body.rsplit("/o/", 1)[-1]
    return {
        "client": client,
        "member": member,
        "pks": pks,
        "import_pk": import_pk,
        "export_pk": export.pk if export else 1,
        "message_id": message.pk,
        "code": code,
        "secret": secret,
    }


def _kwargs(name: str, params: list[str], world: dict) -> dict:
    namespace = name.split(":")[0]
    values = {"slug": "acme", "phone": "+14155550188", "code": world["code"], "id": world["message_id"]}
    kwargs = {}
    for param in params:
        if param == "pk":
            if "import" in name:
                kwargs["pk"] = world["import_pk"]
            elif "export" in name:
                kwargs["pk"] = world["export_pk"]
            else:
                kwargs["pk"] = world["pks"].get(namespace, 1)
        elif param == "slug" and name == "api:problem-type":
            kwargs["slug"] = "rate-limited"
        else:
            kwargs[param] = values.get(param, "x")
    return kwargs


def _assert_survived(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if "text/html" in response.get("Content-Type", "") and response.status_code != 302:
        assert SCRIPT not in response.content.decode("utf-8", "replace"), f"{where}: markup echoed unescaped"


def _query(name: str, raw: bytes) -> str:
    return f"{quote(name)}={quote_from_bytes(raw)}"


@pytest.mark.parametrize("name", PAGES)
def test_no_page_crashes_on_hostile_query_parameters(world, name):
    params = dict(ROUTES)[name]
    path = reverse(name, kwargs=_kwargs(name, params, world))
    client = world["client"]
    for label, raw, _ in CORPUS:
        # Every parameter at once: each view reads its own independently of the others.
        response = client.get(path, QUERY_STRING="&".join(_query(parameter, raw) for parameter in PAGE_PARAMETERS))
        _assert_survived(response, f"GET {path}?<every parameter>=<{label}>")


def _forms_of(client, path: str) -> list[dict]:
    response = client.get(path)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    parser = _Forms()
    parser.feed(response.content.decode())
    parser.close()
    return parser.forms


@pytest.mark.parametrize("name", PAGES)
def test_no_form_crashes_on_hostile_values_in_any_field(world, name):
    params = dict(ROUTES)[name]
    path = reverse(name, kwargs=_kwargs(name, params, world))
    client = world["client"]
    forms = [form for form in _forms_of(client, path) if form["fields"]]
    posted = 0
    for form in forms:
        action = urlparse(form["action"]).path or path
        if action.endswith("/logout/"):
            continue
        for field in form["fields"]:
            if field == "csrfmiddlewaretoken":
                continue
            for label, raw, _ in FORM_CORPUS:
                others = {k: v for k, v in form["fields"].items() if k != field}
                body = "&".join([urlencode(others), _query(field, raw)]).strip("&")
                if form["multipart"]:
                    text = raw.decode("utf-8", "replace")
                    response = client.post(action, others | {field: text})
                elif form["method"] == "get":
                    response = client.get(action, QUERY_STRING=body)
                else:
                    response = client.post(action, body, content_type="application/x-www-form-urlencoded")
                _assert_survived(response, f"{form['method'].upper()} {action} {field}=<{label}>")
                posted += 1
    if name in {"contacts:create", "optouts:add", "conversations:new", "messaging:bulk_send", "compliance:settings"}:
        assert posted, f"no form fields found on {path}: the fuzz would prove nothing"


@pytest.fixture
def api(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['secret']}")
    return client


def _api_operations() -> list[tuple[str, str, list[str], list[str]]]:
    """(method, path template, query parameters, JSON body properties) from the published schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            properties: list[str] = []
            if body_schema:
                ref = body_schema.get("$ref", "").rsplit("/", 1)[-1]
                properties = list(components.get(ref, body_schema).get("properties", {}))
            operations.append((method.upper(), path, query, properties))
    return operations


@pytest.mark.parametrize("label,raw,text", CORPUS, ids=IDS)
def test_the_api_answers_hostile_input_with_4xx_never_500(world, api, label, raw, text):
    operations = _api_operations()
    assert any(properties for *_, properties in operations), "the schema lists no request bodies"
    for method, template, query, properties in operations:
        path = template.replace("{id}", str(world["message_id"])).replace("{phone}", "+14155550188")
        call = getattr(api, method.lower())
        for parameter in query:
            response = api.generic(method, path, QUERY_STRING=_query(parameter, raw))
            _assert_survived(response, f"{method} {path}?{parameter}=<{label}>")
        for prop in properties:
            body = {"to": "+14155550123", "body": "Hi", "phone": "+14155550199", "reason": "x"} | {prop: text}
            response = call(path, json.dumps(body), content_type="application/json")
            _assert_survived(response, f"{method} {path} {prop}=<{label}>")
        if "{phone}" in template:
            hostile = template.replace("{phone}", quote_from_bytes(raw[:2000]))
            _assert_survived(api.generic(method, hostile), f"{method} {hostile[:60]}")

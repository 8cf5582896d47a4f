from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contacts.models import Contact
from conversations.models import Conversation
from optouts.models import Method, OptOut


def test_member_sees_their_workspace(member_client, workspace):
    response = member_client.get(reverse("optouts:list", kwargs={"slug": workspace.slug}))
    assert response.status_code == 200
    assert b"Acme Bakery" in response.content
    assert b"Opt-Outs" in response.content


def test_home_sends_member_to_their_workspace(member_client, workspace):
    response = member_client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("optouts:list", kwargs={"slug": "acme"})


def test_anonymous_visitor_is_sent_to_login(client, workspace):
    response = client.get(reverse("contacts:list", kwargs={"slug": workspace.slug}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_unknown_workspace_and_foreign_workspace_look_the_same(outsider_client, workspace):
    foreign = outsider_client.get("/w/acme/opt-outs/")
    unknown = outsider_client.get("/w/no-such-workspace/opt-outs/")
    assert foreign.status_code == unknown.status_code == 404


def _workspace_patterns(resolver=None, prefix=""):
    """Every URL pattern of the project that lives under /w/<slug>/."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _workspace_patterns(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("w/<slug:slug>/"):
            yield route


def _fill(route: str, ids: dict[str, str]) -> str:
    url = "/" + route
    for key, value in ids.items():
        url = url.replace(f"<int:{key}>", value).replace(f"<str:{key}>", value).replace(f"<slug:{key}>", value)
    url = url.replace("<slug:slug>", "acme")
    assert "<" not in url, f"Add a sample value for {url} to the outsider sweep"
    return url


WORKSPACE_ROUTES = sorted(set(_workspace_patterns()))


@pytest.fixture
def objects(workspace, member):
    """One object of each kind in the workspace, so pk URLs point at something real."""
    contact = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    conversation = Conversation.objects.create(workspace=workspace, phone="+14155550123")
    optout = OptOut.objects.create(workspace=workspace, phone="+14155550199", method=Method.MANUAL)
    return {"contact": contact, "conversation": conversation, "optout": optout}


@pytest.mark.parametrize("route", WORKSPACE_ROUTES)
def _sample_url(route: str, objects) -> str:
    pk = {"contacts": objects["contact"].pk, "conversations": objects["conversation"].pk}.get(
        route.split("/")[2], objects["optout"].pk
    )
    return _fill(route, {"pk": str(pk), "phone": "+14155550199", "code": "x", "job_id": str(pk), "token_id": str(pk)})


@pytest.mark.parametrize("route", WORKSPACE_ROUTES)
def test_outsider_gets_404_on_every_workspace_url(route, objects, outsider_client):
    url = _sample_url(route, objects)
    assert outsider_client.get(url).status_code == 404, url
    assert outsider_client.post(url, {"phone": "+14155550111", "body": "hi"}).status_code == 404, url
    assert OptOut.objects.filter(workspace__slug="acme").count() == 1


@pytest.mark.parametrize("route", WORKSPACE_ROUTES)
def test_anonymous_visitor_is_sent_to_login_from_every_workspace_url(route, objects, client):
    url = _sample_url(route, objects)
    for response in (client.get(url), client.post(url, {"phone": "+14155550111", "body": "hi"})):
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login") + "?next="), url
    assert OptOut.objects.filter(workspace__slug="acme").count() == 1


def test_the_sweep_covers_the_pages(objects):
    names = " ".join(WORKSPACE_ROUTES)
    for part in ("opt-outs/", "contacts/", "conversations/", "messages/", "settings/"):
        assert part in names

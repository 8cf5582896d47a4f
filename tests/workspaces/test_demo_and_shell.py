from __future__ import annotations

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from contacts.models import Contact
from conversations.models import Conversation
from messaging.models import Message
from optouts.models import OptOut, OptOutEvent
from workspaces.models import Workspace


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    models = (Workspace, Contact, Conversation, Message, OptOut, OptOutEvent, get_user_model())
    return tuple(model.objects.count() for model in models)


def test_demo_data_is_complete_and_loading_it_twice_changes_nothing(db):
    printed = _load_demo()
    first = _counts()
    assert "username: demo" in printed and "password: emu-demo-password" in printed
    workspace = Workspace.objects.get(slug="acme")
    assert workspace.sender_numbers.exists()
    assert workspace.contacts.count() >= 30
    assert workspace.contacts.filter(phone="").exists()
    assert len({c.phone[:3] for c in workspace.contacts.exclude(phone="")}) >= 4  # several countries
    assert workspace.conversations.count() >= 5
    assert workspace.optouts.filter(method="reply", reason="STOP please").exists()
    assert get_user_model().objects.get(username="demo").check_password("emu-demo-password")

    assert "username: demo" in _load_demo()
    assert _counts() == first


def test_members_see_that_tasks_run_in_process_without_a_broker(member_client, workspace, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    page = member_client.get("/w/acme/opt-outs/").content.decode()
    assert "No task broker is configured" in page


def test_no_banner_when_a_broker_is_configured(member_client, workspace, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    page = member_client.get("/w/acme/opt-outs/").content.decode()
    assert "No task broker is configured" not in page


def test_workspace_switcher_lists_only_the_members_workspaces(member_client, workspace, other_workspace, member):
    from workspaces.models import Membership

    third = Workspace.objects.create(name="Initech", slug="initech", default_region="US")
    Membership.objects.create(workspace=third, user=member)
    page = member_client.get("/w/acme/opt-outs/").content.decode()
    assert 'href="/w/initech/opt-outs/"' in page
    assert "/w/globex/" not in page

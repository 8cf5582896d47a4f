"""One workspace's list never changes or answers for another's (SPEC §2: unique per workspace)."""

from __future__ import annotations

from optouts import services
from optouts.models import Method, OptOut

NUMBER = "+14155550123"


def test_opting_in_in_one_workspace_keeps_the_other_workspaces_opt_out(workspace, other_workspace, member):
    services.opt_out(workspace=workspace, phone=NUMBER, method=Method.MANUAL, actor=member)
    services.opt_out(workspace=other_workspace, phone=NUMBER, method=Method.MANUAL)

    assert services.opt_in(workspace=workspace, phone=NUMBER, actor=member) is True

    assert not services.is_opted_out(workspace=workspace, phone=NUMBER)
    assert services.is_opted_out(workspace=other_workspace, phone=NUMBER)
    assert list(OptOut.objects.values_list("workspace__slug", "phone")) == [("globex", NUMBER)]


def test_opting_in_a_number_only_another_workspace_lists_changes_nothing_there(workspace, other_workspace):
    services.opt_out(workspace=other_workspace, phone=NUMBER, method=Method.MANUAL)

    assert services.opt_in(workspace=workspace, phone=NUMBER) is False

    assert services.is_opted_out(workspace=other_workspace, phone=NUMBER)


def test_bulk_check_ignores_other_workspaces_opt_outs(workspace, other_workspace, member):
    services.opt_out(workspace=other_workspace, phone=NUMBER, method=Method.MANUAL)
    services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL, actor=member)

    found = services.opted_out_among(workspace=workspace, phones=[NUMBER, "+14155550124"])

    assert found == {"+14155550124"}
    assert services.opted_out_among(workspace=other_workspace, phones=[NUMBER, "+14155550124"]) == {NUMBER}

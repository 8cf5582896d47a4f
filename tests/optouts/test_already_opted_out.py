"""'Already opted out' is a type callers catch, with the message and code the form and API always showed."""

from __future__ import annotations

import pytest

from optouts import services
from optouts.models import Method, OptOut


def test_adding_a_listed_number_again_raises_already_opted_out_on_the_phone_field(workspace, member):
    services.add_opt_out(workspace=workspace, phone="+14155550123", actor=member)
    with pytest.raises(services.AlreadyOptedOut) as refused:
        services.add_opt_out(workspace=workspace, phone="(415) 555-0123", actor=member)
    assert refused.value.message_dict == {"phone": ["+1 415-555-0123 is already opted out."]}
    assert [error.code for error in refused.value.error_dict["phone"]] == ["already_opted_out"]
    assert OptOut.objects.count() == 1


def test_editing_onto_a_listed_number_raises_already_opted_out(workspace, member):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    other = services.opt_out(workspace=workspace, phone="+14155550124", method=Method.MANUAL, actor=member)
    with pytest.raises(services.AlreadyOptedOut):
        services.edit_opt_out(workspace=workspace, optout=other, phone="+14155550123", reason="", actor=member)

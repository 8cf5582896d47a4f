"""The bulk check answers exactly, whatever the chunking (SPEC §5)."""

from __future__ import annotations

import pytest

from optouts import services
from optouts.models import Method

NUMBERS = [f"+1415555{n:04d}" for n in range(1000, 1010)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 9, 10, 11])
def test_every_listed_number_is_found_on_both_sides_of_each_chunk_boundary(workspace, member, monkeypatch, chunk):
    # Small chunks stand in for 100,000-number ones: the boundaries are the same code.
    monkeypatch.setattr(services, "_LOOKUP_CHUNK", chunk)
    listed = NUMBERS[0::3] + NUMBERS[1::3]  # both ends of the list included
    for number in listed:
        services.opt_out(workspace=workspace, phone=number, method=Method.MANUAL, actor=member)

    found = services.opted_out_among(workspace=workspace, phones=NUMBERS)

    assert found == set(listed)


def test_the_last_number_of_a_list_exactly_one_chunk_long_is_found(workspace, member, monkeypatch):
    monkeypatch.setattr(services, "_LOOKUP_CHUNK", 5)
    services.opt_out(workspace=workspace, phone=NUMBERS[4], method=Method.MANUAL, actor=member)
    services.opt_out(workspace=workspace, phone=NUMBERS[5], method=Method.MANUAL, actor=member)

    assert services.opted_out_among(workspace=workspace, phones=NUMBERS[:5]) == {NUMBERS[4]}
    assert services.opted_out_among(workspace=workspace, phones=NUMBERS[:6]) == {NUMBERS[4], NUMBERS[5]}


def test_numbers_in_any_writing_are_found_as_their_e164_form(workspace, member):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)

    found = services.opted_out_among(workspace=workspace, phones=["(415) 555-0123", "415 555 0124"])

    assert found == {"+14155550123"}


def test_an_empty_list_finds_nothing(workspace, member, django_assert_num_queries):
    services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL, actor=member)
    with django_assert_num_queries(0):
        assert services.opted_out_among(workspace=workspace, phones=[]) == set()

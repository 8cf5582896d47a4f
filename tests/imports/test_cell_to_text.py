"""Spreadsheet values become the text the user typed, never a "repaired" number."""

from __future__ import annotations

import datetime as dt

import pytest

from imports.reader import cell_to_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (447911123456, "447911123456"),
        (447911123456.0, "447911123456"),
        (4.47911e11, "447911000000"),  # typed as 4.47911E+11: indistinguishable, passed on as is
        (12.5, "12.5"),
        (0.1, "0.1"),
        (-3.0, "-3"),
        (None, ""),
        (True, "TRUE"),
        (False, "FALSE"),
        ("  +44 7911 123456 ", "+44 7911 123456"),
        (dt.date(2024, 3, 1), "2024-03-01"),
        (dt.datetime(2024, 3, 1), "2024-03-01"),
        (dt.datetime(2024, 3, 1, 9, 30), "2024-03-01 09:30:00"),
        (dt.time(9, 30), "09:30:00"),
    ],
)
def test_cell_value_becomes_text(value, text):
    assert cell_to_text(value) == text


def test_non_finite_floats_are_not_turned_into_numbers():
    assert cell_to_text(float("inf")) == "inf"

"""An ambiguous text never opts anyone back in: opt-out words win (SPEC §4).

Written against the public ``match_keyword`` for rules that hold whether
workspace words match at the start or only as the whole message.
"""

from __future__ import annotations

import pytest

from optouts.keywords import match_keyword


@pytest.mark.parametrize("text", ["PAUSE", "pause", "  Pause.  "])
def test_a_word_that_is_both_a_workspace_opt_out_and_opt_in_opts_out(text):
    assert match_keyword(text, extra_opt_out=["PAUSE"], extra_opt_in=["PAUSE"]) == "opt_out"


def test_a_workspace_opt_in_word_opts_in_when_no_opt_out_word_matches():
    assert match_keyword("RESUME", extra_opt_out=["PAUSE"], extra_opt_in=["RESUME"]) == "opt_in"


def test_a_workspace_opt_out_word_opts_out():
    assert match_keyword("Arrêt", extra_opt_out=["ARRET"], extra_opt_in=["RESUME"]) == "opt_out"


def test_unsubscribe_is_an_opt_out_even_when_a_workspace_lists_it_as_opt_in():
    assert match_keyword("UNSUBSCRIBE", extra_opt_in=["UNSUBSCRIBE"]) == "opt_out"


def test_stop_is_an_opt_out_even_when_a_workspace_lists_it_as_opt_in():
    assert match_keyword("STOP", extra_opt_in=["STOP"]) == "opt_out"


def test_a_text_matching_no_word_is_neither():
    assert match_keyword("See you at 3", extra_opt_out=["PAUSE"], extra_opt_in=["RESUME"]) is None

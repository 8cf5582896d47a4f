from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optouts.keywords import (
    CARRIER_OPT_OUT,
    DEFAULT_KEYWORDS,
    clean_text,
    contains_word,
    is_help_request,
    match_keyword,
    normalize,
    starts_with_any,
)

OPT_OUT = [
    "STOP",
    "stop",
    "Stop.",
    "STOP please",
    "  stop\n",
    "UNSUBSCRIBE",
    "unsubscribe me",
    "\u2003Stop\u00a0",
    "Stop. Thank you",
    "STOP!",
    "stop, wrong number",
    "\tSTOP\r\n",
]
# Normalised first (SPEC §4): NFKC, invisible characters gone, symbols around the words ignored.
NORMALISED_OPT_OUT = [
    "ＳＴＯＰ",
    "\u200bSTOP",
    "ST\u200bOP",
    "\u2060stop",
    '"STOP"',
    "“Stop”",
    "*stop*",
    "🛑 STOP",
    "🛑️STOP",
    "STOP!!!",
    "\ufeffunsubscribe",
    "STOP\x00",
    "\x00STOP",
    "(stop)",
]
CARRIER_WHOLE_MESSAGE = ["QUIT", "end", "Cancel", "REVOKE", "stopall", "OPTOUT", "opt out", "Opt-Out", "End.", "quit."]
CARRIER_IN_A_SENTENCE = ["Cancel my 3pm appointment please", "End of story", "Quit it lol", "The end", "Ending soon"]
OPT_IN = ["SUBSCRIBE", "subscribe", "Subscribe please", " SUBSCRIBE\n", "«SUBSCRIBE»"]
# A text with an opt-out word in it never opts anyone back in.
NEVER_OPT_IN = ["SUBSCRIBE? no, STOP", "Subscribe... actually, stop", "SUBSCRIBE then UNSUBSCRIBE", "subscribe, quit"]
NO_MATCH = [
    "PleaseStop",
    "Don't stop",
    "STOPPED",
    "Stop2",
    "",
    "   ",
    "Hello",
    "stopwatch",
    "UNSUBSCRIBED",
    "SUBSCRIBER",
    "Please unsubscribe me",
    "S T O P",
    "Can you stop",
    "Subscribe2",
]


@pytest.mark.parametrize("text", OPT_OUT)
def test_opt_out_keywords_match(text):
    assert match_keyword(text) == "opt_out"


@pytest.mark.parametrize("text", OPT_IN)
def test_opt_in_keywords_match(text):
    assert match_keyword(text) == "opt_in"


@pytest.mark.parametrize("text", NO_MATCH)
def test_other_texts_do_not_match(text):
    assert match_keyword(text) is None


@pytest.mark.parametrize("text", NORMALISED_OPT_OUT)
def test_opt_out_keywords_match_after_normalisation(text):
    assert match_keyword(text) == "opt_out"


@pytest.mark.parametrize("text", CARRIER_WHOLE_MESSAGE)
def test_the_carrier_words_opt_out_as_the_whole_message_without_any_setup(text):
    assert match_keyword(text) == "opt_out"


@pytest.mark.parametrize("text", CARRIER_IN_A_SENTENCE)
def test_the_carrier_words_inside_a_sentence_do_not_match(text):
    assert match_keyword(text) is None


@pytest.mark.parametrize("text", NEVER_OPT_IN)
def test_a_text_with_an_opt_out_word_is_never_an_opt_in(text):
    assert match_keyword(text) is None


@pytest.mark.parametrize("text", ["YES STOP", "Yes please stop", "Start? No. STOP", "yes, quit"])
def test_pack_opt_in_words_never_opt_in_a_text_that_says_stop(text):
    assert match_keyword(text, extra_opt_in=("YES", "START")) is None


@pytest.mark.parametrize(("text", "expected"), [("HELP", True), ("info", True), ("Help!", True), ("help me", False)])
def test_help_and_info_are_recognised_as_the_whole_message(text, expected):
    assert is_help_request(text) is expected
    assert match_keyword(text) is None


def test_control_characters_are_dropped_before_storing_but_newlines_stay():
    assert clean_text("STOP\x00\x07 now\r\nplease\t!") == "STOP now\r\nplease\t!"


def test_unsubscribe_is_an_opt_out_never_an_opt_in():
    assert match_keyword("UNSUBSCRIBE") == "opt_out"
    assert match_keyword("Unsubscribe") == "opt_out"


def _folded(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", word))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_FIRST_WORDS = {_folded(w) for w, _ in DEFAULT_KEYWORDS} | {_folded(w.split()[0]) for w in CARRIER_OPT_OUT}


@given(st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=1), st.text())
def test_text_whose_first_word_is_no_keyword_never_matches(first, rest):
    if _folded(first) not in _FIRST_WORDS:
        assert match_keyword(f"{first} {rest}") is None


@given(
    st.sampled_from([w for w, _ in DEFAULT_KEYWORDS]),
    st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=1),
)
def test_keyword_followed_by_a_letter_or_digit_never_matches(word, tail):
    if (word + tail).upper() not in CARRIER_OPT_OUT:  # STOP + ALL is STOPALL, a carrier word
        assert match_keyword(word + tail) is None


@given(st.sampled_from(DEFAULT_KEYWORDS), st.text(alphabet=" .,!?\n-"), st.text())
def test_keyword_then_a_non_word_character_always_matches(keyword, separator, rest):
    word, expected = keyword
    text = word.lower() + (separator + rest if separator else "")
    assert match_keyword(text) == expected


def test_a_keyword_is_contained_as_the_first_the_last_or_the_only_word_never_inside_another():
    assert contains_word("Stop texting me", ["STOP"])
    assert contains_word("please, stop", ["STOP"])
    assert contains_word("STOP", ["STOP"])
    assert not contains_word("Nonstop deals", ["STOP"])


def test_a_message_starts_with_a_keyword_even_when_the_keyword_is_all_of_it():
    assert starts_with_any("Baja", ["BAJA"])
    assert starts_with_any("baja la música", ["BAJA"])
    assert not starts_with_any("Bajamos la música", ["BAJA"])


@pytest.mark.parametrize("text", ["👉 STOP", '«"STOP"»', "¡¡STOP!!"])
def test_several_symbols_before_the_keyword_are_ignored(text):
    assert match_keyword(text) == "opt_out"


def test_control_characters_inside_a_word_are_not_part_of_it():
    assert normalize("S\x07TO\x00P\x1b now") == "STOP now"
    assert match_keyword("S\x00TOP") == "opt_out"


def test_an_empty_text_normalises_to_nothing():
    assert normalize("") == ""
    assert normalize(None) == ""

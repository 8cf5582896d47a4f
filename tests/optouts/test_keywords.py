from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optouts.keywords import DEFAULT_KEYWORDS, match_keyword

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
OPT_IN = ["SUBSCRIBE", "subscribe", "Subscribe please", " SUBSCRIBE\n"]
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


def test_unsubscribe_is_an_opt_out_never_an_opt_in():
    assert match_keyword("UNSUBSCRIBE") == "opt_out"
    assert match_keyword("Unsubscribe") == "opt_out"


def _starts_with_a_keyword(text: str) -> bool:
    trimmed = text.strip()
    return any(trimmed[: len(word)].upper() == word for word, _ in DEFAULT_KEYWORDS)


@given(st.text())
def test_text_not_starting_with_a_keyword_never_matches(text):
    if not _starts_with_a_keyword(text):
        assert match_keyword(text) is None


@given(
    st.sampled_from([w for w, _ in DEFAULT_KEYWORDS]),
    st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=1),
)
def test_keyword_followed_by_a_letter_or_digit_never_matches(word, tail):
    assert match_keyword(word + tail) is None


@given(st.sampled_from(DEFAULT_KEYWORDS), st.text(alphabet=" .,!?\n-"), st.text())
def test_keyword_then_a_non_word_character_always_matches(keyword, separator, rest):
    word, expected = keyword
    text = word.lower() + (separator + rest if separator else "")
    assert match_keyword(text) == expected

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from compliance import services as compliance_services
from compliance.keywords import PACKS, keywords_from
from compliance.models import ComplianceSettings, LikelyOptOut
from optouts import services as optout_services
from optouts.keywords import match_keyword
from optouts.models import OptOut
from tests.support.twilio import inbound

NUMBER = "+14155550123"
ALL_PACKS = [pack.id for pack in PACKS]
PACK_WORDS = [
    pytest.param(pack.id, word, kind, id=f"{pack.id}-{word}-{kind}")
    for pack in PACKS
    for kind, words in (("opt_out", pack.opt_out), ("opt_in", pack.opt_in))
    for word in words
]


def _extra(packs=(), opt_out=(), opt_in=()):
    words = keywords_from(packs=packs, custom_opt_out=opt_out, custom_opt_in=opt_in)
    return {"extra_opt_out": words.opt_out, "extra_opt_in": words.opt_in}


def _settings_url():
    return reverse("compliance:settings", kwargs={"slug": "acme"})


# --- the pure matcher -----------------------------------------------------------------


@pytest.mark.parametrize(("pack", "word", "kind"), PACK_WORDS)
def test_every_pack_word_matches_as_the_whole_message(pack, word, kind):
    extra = _extra(packs=[pack])
    for text in (word, word.lower(), f"  {word.title()}\n", f"{word}!", f'"{word}"', f"{word}.", f"🙏 {word}"):
        assert match_keyword(text, **extra) == kind, text


@pytest.mark.parametrize(("pack", "word", "kind"), PACK_WORDS)
def test_a_pack_word_inside_a_longer_word_or_a_sentence_does_not_match(pack, word, kind):
    # Pack words are everyday words in their language: only the whole message counts (SPEC §4).
    extra = _extra(packs=[pack])
    for text in (f"{word}X", f"{word}2", f"Hello {word}", f"{word}, please", f"{word} la música"):
        assert match_keyword(text, **extra) is None, text


@pytest.mark.parametrize(("pack", "word", "kind"), PACK_WORDS)
def test_pack_words_do_nothing_until_the_pack_is_enabled(pack, word, kind):
    assert match_keyword(word) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arret", "opt_out"),
        ("Arrêt", "opt_out"),
        ("ARRÊT!", "opt_out"),
        ("arrêter", "opt_out"),
        ("désabonner", "opt_out"),
        ("DESABONNER", "opt_out"),
        ("Baja", "opt_out"),
        ("alto.", "opt_out"),
        ("stopp", "opt_out"),
        ("Stopp.", "opt_out"),
        ("opt out", "opt_out"),
        ("Opt-out", "opt_out"),
        ("OPT  OUT", "opt_out"),
        ("optout", "opt_out"),
        ("quit", "opt_out"),
        ("Yes", "opt_in"),
        ("start", "opt_in"),
        ("Alta", "opt_in"),
    ],
)
def test_pack_words_ignore_case_and_accents(text, expected):
    assert match_keyword(text, **_extra(packs=ALL_PACKS)) == expected


@pytest.mark.parametrize(
    "text", ["Ending soon?", "Quitting time!", "Altogether", "Optout2", "opt outside", "Yesterday"]
)
def test_pack_words_need_a_whole_word(text):
    assert match_keyword(text, **_extra(packs=ALL_PACKS)) is None


def test_the_defaults_still_win_and_behave_exactly_as_before():
    extra = _extra(packs=ALL_PACKS)
    for text, expected in [
        ("STOP", "opt_out"),
        ("stop yes", "opt_out"),
        ("Unsubscribe", "opt_out"),
        ("SUBSCRIBE", "opt_in"),
    ]:
        assert match_keyword(text, **extra) == expected == match_keyword(text)
    assert match_keyword("STOPPED", **extra) is None


def test_custom_words_match_like_pack_words():
    extra = _extra(opt_out=["NO MORE", "LEAVE"], opt_in=["JOIN"])
    assert match_keyword("No more.", **extra) == "opt_out"
    assert match_keyword("No more, thanks", **extra) is None
    assert match_keyword("no-more", **extra) == "opt_out"
    assert match_keyword("leave", **extra) == "opt_out"
    assert match_keyword("Join!", **extra) == "opt_in"
    assert match_keyword("Leaves are falling", **extra) is None
    assert match_keyword("No", **extra) is None


# --- through the webhook --------------------------------------------------------------


@pytest.mark.parametrize(("pack", "word", "kind"), PACK_WORDS)
def test_a_reply_with_any_pack_word_acts_on_the_list(client, workspace, pack, word, kind):
    ComplianceSettings.objects.create(workspace=workspace, packs=[pack])
    if kind == "opt_in":
        optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual")
    inbound(client, body=f"{word.lower()}!")
    if kind == "opt_out":
        optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
        assert (optout.method, optout.reason) == ("reply", f"{word.lower()}!")
        assert optout.source_message.body == f"{word.lower()}!"
    else:
        assert not OptOut.objects.filter(workspace=workspace, phone=NUMBER).exists()


def test_a_pack_word_does_nothing_in_a_workspace_that_did_not_enable_it(client, workspace, other_workspace):
    ComplianceSettings.objects.create(workspace=other_workspace, packs=["spanish"])
    inbound(client, body="BAJA")
    assert not OptOut.objects.exists()


def test_a_custom_word_opts_out_by_reply(client, workspace, member):
    compliance_services.update_settings(
        workspace=workspace,
        packs=[],
        custom_opt_out=["no more"],
        custom_opt_in=[],
        confirmation_enabled=False,
        confirmation_template="",
        actor=member,
    )
    inbound(client, body="No more")
    assert OptOut.objects.get().method == "reply"


def test_a_sentence_starting_with_a_custom_word_goes_to_review_not_the_list(client, workspace, member):
    ComplianceSettings.objects.create(workspace=workspace, custom_opt_out=["NO MORE"])
    inbound(client, body="No more cake for me, thanks")
    assert not OptOut.objects.exists()
    assert LikelyOptOut.objects.get().rule == "starts_with_opt_out_word"


# --- the settings service and page ----------------------------------------------------


def _update(workspace, **changes):
    values = {
        "packs": [],
        "custom_opt_out": [],
        "custom_opt_in": [],
        "confirmation_enabled": False,
        "confirmation_template": "",
    } | changes
    return compliance_services.update_settings(workspace=workspace, **values)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"custom_opt_out": ["SUBSCRIBE"]}, "custom_opt_out", "SUBSCRIBE is an opt-in word"),
        ({"custom_opt_out": ["subscribe me"]}, "custom_opt_out", "SUBSCRIBE is an opt-in word"),
        ({"packs": ["us_carrier"], "custom_opt_out": ["yes"]}, "custom_opt_out", "YES is an opt-in word"),
        ({"packs": ["us_carrier"], "custom_opt_out": ["Yes stop"]}, "custom_opt_out", "YES is an opt-in word"),
        ({"custom_opt_out": ["JOIN"], "custom_opt_in": ["join"]}, "custom_opt_out", "JOIN is an opt-in word"),
        ({"custom_opt_in": ["STOP"]}, "custom_opt_in", "STOP is an opt-out word"),
        ({"custom_opt_in": ["unsubscribe"]}, "custom_opt_in", "UNSUBSCRIBE is an opt-out word"),
        ({"packs": ["french"], "custom_opt_in": ["arret"]}, "custom_opt_in", "is an opt-out word"),
        ({"packs": ["us_carrier"], "custom_opt_in": ["Quit"]}, "custom_opt_in", "QUIT is an opt-out word"),
        ({"custom_opt_out": ["stop"]}, "custom_opt_out", "default opt-out keyword"),
        ({"custom_opt_out": ["opt-out"]}, "custom_opt_out", "default opt-out keyword"),
        ({"custom_opt_in": ["end"]}, "custom_opt_in", "END is an opt-out word"),
        ({"custom_opt_out": ["please stop now"]}, "custom_opt_out", "one or two words"),
        ({"custom_opt_out": ["st*p"]}, "custom_opt_out", "one or two words"),
        ({"packs": ["klingon"]}, "packs", "Unknown keyword pack"),
    ],
)
def test_conflicting_or_malformed_keywords_are_refused_with_a_clear_error(workspace, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        _update(workspace, **changes)
    assert message in " ".join(caught.value.message_dict[field])
    assert not ComplianceSettings.objects.exists()


def test_every_pack_can_be_enabled_together_without_conflicts(workspace):
    saved = _update(workspace, packs=ALL_PACKS, custom_opt_out=["leave-me", "no more"], custom_opt_in=["join"])
    assert saved.packs == ALL_PACKS
    assert saved.custom_opt_out == ["LEAVE ME", "NO MORE"]


def test_the_settings_page_shows_the_defaults_and_the_packs(member_client, workspace):
    html = member_client.get(_settings_url()).content.decode()
    for text in (
        "STOP",
        "UNSUBSCRIBE",
        "SUBSCRIBE",
        "These can't be switched off",
        "US carrier and FCC words",
        "STOPALL",
    ):
        assert text in html
    assert "Twilio" in html


def test_the_main_settings_page_links_to_compliance(member_client, workspace):
    html = member_client.get(reverse("workspaces:settings", kwargs={"slug": "acme"})).content.decode()
    assert _settings_url() in html
    assert "compliance-settings-link" not in html


def test_a_member_enables_a_pack_and_adds_words_on_the_page(member_client, workspace, member):
    response = member_client.post(
        _settings_url(),
        {"packs": ["us_carrier", "spanish"], "custom_opt_out": "no more\nleave me", "custom_opt_in": "join"},
        follow=True,
    )
    assert "Compliance settings saved." in response.content.decode()
    saved = ComplianceSettings.objects.get(workspace=workspace)
    assert saved.packs == ["us_carrier", "spanish"]
    assert (saved.custom_opt_out, saved.custom_opt_in, saved.updated_by) == (["NO MORE", "LEAVE ME"], ["JOIN"], member)
    assert saved.confirmation_enabled is False


def test_a_conflicting_word_is_shown_as_a_form_error_and_nothing_is_saved(member_client, workspace):
    response = member_client.post(_settings_url(), {"packs": ["us_carrier"], "custom_opt_out": "yes"})
    assert response.status_code == 200
    assert "“YES” can&#x27;t be an opt-out keyword: YES is an opt-in word." in response.content.decode()
    assert not ComplianceSettings.objects.exists()


def test_a_member_turns_on_the_confirmation_with_their_own_text(member_client, workspace):
    member_client.post(
        _settings_url(), {"confirmation_enabled": "on", "confirmation_template": "Bye from {workspace}!"}
    )
    saved = ComplianceSettings.objects.get(workspace=workspace)
    assert (saved.confirmation_enabled, saved.confirmation_template) == (True, "Bye from {workspace}!")


def test_outsiders_get_404_on_the_settings_page(outsider_client, workspace):
    assert outsider_client.get(_settings_url()).status_code == 404
    assert outsider_client.post(_settings_url(), {"packs": ["us_carrier"]}).status_code == 404
    assert not ComplianceSettings.objects.exists()

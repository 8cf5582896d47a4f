"""Django's password reset end to end, with our pages and a link built on SITE_URL."""

from __future__ import annotations

import re

from django.core import mail


def test_password_reset_emails_a_link_that_sets_a_new_password(client, member):
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in login
    form = client.get("/accounts/password_reset/").content.decode()
    assert "Reset your password" in form and "brand-mark" in form
    response = client.post("/accounts/password_reset/", {"email": "alice@example.com"}, follow=True)
    assert "Check your email" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Reset your emu.chat password"
    link = re.search(r"https://emu\.example\.com(/accounts/reset/\S+)", message.body).group(1)
    page = client.get(link, follow=True)
    assert "Choose a new password" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"}, follow=True
    )
    assert "Password changed" in done.content.decode()
    member.refresh_from_db()
    assert member.check_password("another-long-passphrase")
    # The link was single-use.
    assert "can't be used" in client.get(link, follow=True).content.decode()


def test_an_unknown_email_gets_the_same_answer_and_no_email(client, member):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []

"""The CLI offline with the merged provider index: servers, hints, and "no IMAP" (issue 13)."""

from __future__ import annotations

import json

import pytest

from .test_cli import run


@pytest.mark.parametrize(
    ("domain", "imap", "database"),
    [
        ("mailbox.org", "imap.mailbox.org", "deltachat"),
        ("migadu.com", "imap.migadu.com", "deltachat"),
        ("disroot.org", "disroot.org", "deltachat"),
    ],
)
def test_offline_gives_servers_from_deltachat(domain: str, imap: str, database: str):
    """mailbox.org, migadu.com and disroot.org (not in ISPDB) get servers offline, exit 0,
    and --json names the database each server came from."""
    code, out, _ = run(f"someone@{domain}", "--offline", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["incoming"][0]["host"] == imap
    assert {s["database"] for s in data["incoming"] + data["outgoing"]} == {database}
    assert data["provider"]["database"] == database
    assert data["incoming"][0]["sources"] == ["ispdb-bundled"]


def test_protonmail_offline_says_no_imap_and_what_instead():
    """protonmail.com offline exits 1 saying it offers no IMAP and naming the bridge, with no
    guessed servers and no "check the spelling" advice."""
    code, out, _ = run("someone@protonmail.com", "--offline")
    assert code == 1
    assert "ProtonMail offers no IMAP" in out
    assert "IMAP bridge" in out
    assert "check the spelling" not in out
    code, out, _ = run("someone@protonmail.com", "--offline", "--json")
    data = json.loads(out)
    assert code == 1
    assert data["incoming"] == []
    assert data["outgoing"] == []
    assert data["provider"]["no_imap"] is True
    assert "bridge" in data["provider"]["no_imap_advice"]


def test_gmx_offline_shows_the_enable_imap_first_hint():
    """gmx.net offline shows ISPDB's servers and, under "Before you connect", Delta Chat's
    hint that IMAP must be allowed first; --json carries the hint and its database."""
    code, out, _ = run("someone@gmx.net", "--offline")
    assert code == 0
    block = out.split("Before you connect\n", 1)[1].split("\n\n", 1)[0]
    assert "You must allow IMAP access to your account before you can login." in block
    assert "needs a step from you" in block
    assert "Source of these notes: Delta Chat's provider database (bundled)." in block
    code, out, _ = run("someone@gmx.net", "--offline", "--json")
    provider = json.loads(out)["provider"]
    assert provider["status"] == "preparation"
    assert provider["hints_database"] == "deltachat"
    assert provider["database"] == "ispdb"


def test_gmail_offline_says_app_password():
    """gmail.com's Delta Chat record says an app password is needed: the view says so."""
    code, out, _ = run("someone@gmail.com", "--offline")
    assert code == 0
    assert "or an app password" in out.split("\nRecommended\n", 1)[1]
    code, out, _ = run("someone@gmail.com", "--offline", "--json")
    assert json.loads(out)["provider"]["app_password_required"] is True


def test_k9_only_domain_is_low_trust_and_says_its_database():
    """A domain only K-9 lists answers offline at low trust, "from K-9 Mail's provider list"."""
    code, out, _ = run("someone@montclair.edu", "--offline")
    assert code == 0
    assert "little evidence backs these settings" in out
    assert "They come from K-9 Mail's provider list (bundled, last updated 2023)." in out
    code, out, _ = run("someone@montclair.edu", "--offline", "--json")
    data = json.loads(out)
    assert {s["trust"] for s in data["incoming"]} == {"low"}
    assert {s["database"] for s in data["incoming"]} == {"k9"}

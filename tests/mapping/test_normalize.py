import html
import random
import unicodedata

import nh3
import pytest

from thrive_integration import normalize
from thrive_integration.normalize import PartialDate


def test_nfc_text_composes_and_trims():
    nfd = unicodedata.normalize("NFD", "  José Müller ")
    assert nfd != "José Müller"
    assert normalize.nfc_text(nfd) == "José Müller"
    assert normalize.nfc_text(None) == ""
    assert normalize.nfc_text("x" * 300, max_length=255) == "x" * 255


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (" Ada@Example.COM ", "ada@example.com"),
        ("mailto:ada@example.com", "ada@example.com"),
        ("not an email", None),
        ("ada@localhost", None),
        (None, None),
        ("a" * 250 + "@example.com", None),
    ],
)
def test_email_key(value, key):
    assert normalize.email_key(value) == key


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/ada-lovelace",
        "http://linkedin.com/in/ada-lovelace/",
        "linkedin.com/in/Ada-Lovelace",
        "https://uk.linkedin.com/in/ada-lovelace?trk=public_profile#about",
        "https://de.linkedin.com/in/ada%2Dlovelace/",
        "HTTPS://WWW.LINKEDIN.COM/IN/ADA-LOVELACE/",
    ],
)
def test_linkedin_key_normalises_spellings_of_one_profile(url):
    assert normalize.linkedin_key(url) == "linkedin.com/in/ada-lovelace"


def test_linkedin_key_decodes_percent_encoding_to_nfc():
    encoded = "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa/"
    nfd = unicodedata.normalize("NFD", "https://linkedin.com/in/josé-garcía")
    assert normalize.linkedin_key(encoded) == normalize.linkedin_key(nfd)
    assert normalize.linkedin_key(encoded) == "linkedin.com/in/josé-garcía"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/company/analytical-engines/",
        "https://www.linkedin.com/school/cambridge/",
        "https://www.linkedin.com/jobs/view/123",
        "https://www.linkedin.com/in/",
        "https://notlinkedin.com/in/ada",
        "javascript:alert(1)//linkedin.com/in/ada",
        "",
        None,
    ],
)
def test_linkedin_key_rejects_non_profiles(url):
    assert normalize.linkedin_key(url) is None


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/Ada-L", "github.com/ada-l"),
        ("github.com/ada-l/", "github.com/ada-l"),
        ("https://www.github.com/ada-l?tab=repositories", "github.com/ada-l"),
        ("https://github.com/ada-l/engine", None),
        ("https://github.com/orgs/engines", None),
        ("https://gitlab.com/ada-l", None),
    ],
)
def test_github_key(url, key):
    assert normalize.github_key(url) == key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019", PartialDate(2019)),
        ("2019-03", PartialDate(2019, 3)),
        ("2019-03-15", PartialDate(2019, 3, 15)),
        ("Present", PartialDate(ongoing=True)),
        ("current", PartialDate(ongoing=True)),
        (" NOW ", PartialDate(ongoing=True)),
        ("2019-13", None),
        ("March 2019", None),
        ("garbage", None),
        ("", None),
        (None, None),
    ],
)
def test_partial_date(value, expected):
    assert normalize.partial_date(value) == expected


def test_safe_note_removes_script_and_keeps_words():
    raw = (
        "<p>Great <b>call</b> &amp; follow-up</p><script>steal(document.cookie)</script>"
        '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">link</a><br>Line two'
    )
    note = normalize.safe_note(raw)
    assert note.raw == raw
    assert "<script" not in note.html and "steal" not in note.html
    assert "onerror" not in note.html and "javascript:" not in note.html
    assert "<b>call</b>" in note.html
    assert note.text == "Great call & follow-up\nlink\nLine two"


def test_referral_notes_parsing():
    notes = normalize.referral_notes(
        "Met at PyCon.\nTags: python, Leadership; python\ntags: remote\n"
        "ICP Name: Staff Engineers EU\nicp_owner_name: Grace Hopper\nShortlisted-By: Alan Turing"
    )
    assert notes.tags == ["python", "Leadership", "remote"]
    assert notes.icp_name == "Staff Engineers EU"
    assert notes.icp_owner_name == "Grace Hopper"
    assert notes.shortlisted_by == "Alan Turing"
    assert normalize.referral_notes(None).tags == []


def test_safe_note_of_plain_text_is_what_the_sanitiser_gives():
    """Plain text skips the sanitiser; it must come out exactly as if it had not."""
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(1, 0x3000) if not 0xD800 <= c < 0xE000] + list("<>&\r\xa0")
    samples = ["", "Plain words", "José\n\n  two  lines ", "a > b", "R&D", "x\r\ny", "\x00"]
    samples += ["".join(rng.choices(alphabet, k=rng.randint(1, 40))) for _ in range(3000)]
    for raw in samples:
        text = normalize.nfc_text(raw)
        stripped = html.unescape(nh3.clean(normalize._BLOCK_END.sub("\n", text), tags=set()))
        lines = (normalize._WHITESPACE.sub(" ", line).strip() for line in stripped.splitlines())
        expected = normalize.SafeNote(
            raw=text, html=nh3.clean(text), text="\n".join(line for line in lines if line)
        )
        assert normalize.safe_note(raw) == expected, repr(raw)

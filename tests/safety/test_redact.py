"""Each redaction kind on realistic samples and near misses. Keys are generated per run, so no
key-shaped string lives in the repository."""

from __future__ import annotations

import base64
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaomega.safety.policy import SafetyPolicy
from alphaomega.safety.redact import KINDS, find_secrets, redact

POLICY = SafetyPolicy()
RNG = random.Random(20261122)
ALNUM = string.ascii_letters + string.digits


def token(length: int, alphabet: str = ALNUM) -> str:
    """Random key material with at least one letter and one digit, as real keys have."""
    while True:
        value = "".join(RNG.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def digits(length: int) -> str:
    return "".join(RNG.choice(string.digits) for _ in range(length))


def jwt() -> str:
    def part(data: str) -> str:
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    header, claims = part('{"alg":"HS256","typ":"JWT"}'), part('{"sub":"42"}')
    return f"{header}.{claims}.{token(43, ALNUM + '-_')}"


KEYS = {
    "redact.api_key.openai": "sk-" + token(48),
    "redact.api_key.anthropic": "sk-ant-api03-" + token(80, ALNUM + "-_"),
    "redact.api_key.github": "ghp_" + token(36),
    "redact.api_key.aws": "AKIA" + token(16, string.ascii_uppercase + string.digits),
    "redact.api_key.slack": "xoxb-" + digits(12) + "-" + token(24),
    "redact.api_key.google": "AIza" + token(35, ALNUM + "_-"),
    "redact.api_key.huggingface": "hf_" + token(34),
    "redact.api_key.gitlab": "glpat-" + token(20),
    "redact.api_key.stripe": "sk_live_" + token(24),
    "redact.api_key.jwt": jwt(),
}


@pytest.mark.parametrize("rule", sorted(KEYS))
def test_provider_keys_are_masked_in_realistic_sentences(rule):
    key = KEYS[rule]
    for text in (f"my key is {key}", f'OPENAI_API_KEY="{key}"', f"token:\n{key}\nthanks"):
        masked, findings = redact(text, POLICY)
        assert key not in masked
        assert [f.rule for f in findings] == [rule]
        assert text[findings[0].start : findings[0].end] == key
        assert "[REDACTED:api_key]" in masked


def test_newer_openai_key_shapes_are_masked():
    for key in ("sk-proj-" + token(40, ALNUM + "_-"), "sk-svcacct-" + token(40)):
        assert key not in redact(f"key={key}", POLICY)[0]


@pytest.mark.parametrize(
    "text",
    [
        "sk-learn is not a package",
        "sk-this-is-not-a-real-key-at-all",
        "use ghp_ as the prefix of classic tokens",
        "the docs use AKIAIOSFODNN7EXAMPLE",
        "AIza is the Google key prefix",
        "xoxb- tokens are bot tokens",
        "eyJhbGciOi is how a JWT header starts",
        "He was the bearer of bad news",
        "Authorization: Bearer <YOUR_TOKEN>",
        "Basic understanding is required",
    ],
)
def test_key_prefixes_alone_are_not_masked(text):
    assert redact(text, POLICY)[1] == []


def test_bearer_and_basic_authorization_values_are_masked():
    bearer = token(40, ALNUM + "-._~")
    basic = base64.b64encode(b"admin:" + token(12).encode()).decode()
    for header, secret in (
        (f"Authorization: Bearer {bearer}", bearer),
        (f"Authorization: Basic {basic}", basic),
    ):
        masked, findings = redact(header, POLICY)
        assert secret not in masked and findings[0].kind == "api_key"


@pytest.mark.parametrize(
    "text,secret",
    [
        ("password=hunter22x", "hunter22x"),
        ("DB_PASSWORD: 'S3cure!Pass'", "S3cure!Pass"),
        ('{"client_secret": "VALUE"}', "VALUE"),
        ("X-Api-Key: VALUE", "VALUE"),
        ("postgres://app:VALUE@db:5432/main", "VALUE"),
        ("aws_secret_access_key = VALUE", "VALUE"),
    ],
)
def test_generic_secrets_are_masked(text, secret):
    if secret == "VALUE":
        secret = token(32, ALNUM + "/+")
        text = text.replace("VALUE", secret)
    masked, findings = redact(text, POLICY)
    assert secret not in masked
    assert findings and findings[0].kind == "generic_secret"


@pytest.mark.parametrize(
    "text",
    [
        "password = os.environ['DB_PASSWORD']",
        "api_key = os.getenv('OPENAI_API_KEY')",
        "password: str",
        "password=changeme",
        "token: <token>",
        "secret_key = settings.SECRET_KEY",
        "max_tokens: 4096",
        "token_count = 123456789012",
        "OPENAI_API_KEY=your_api_key_here",
        "postgres://user:password@localhost/db",
        "api_key: ********",
        "the tokenizer = AutoTokenizer.from_pretrained('gpt2')",
    ],
)
def test_placeholders_and_expressions_are_not_secrets(text):
    assert redact(text, POLICY)[1] == []


def test_private_key_blocks_are_masked_whole_even_when_cut_off():
    body = "\n".join(token(64, ALNUM + "+/") for _ in range(5))
    for kind in ("RSA ", "OPENSSH ", "EC ", "ENCRYPTED ", ""):
        block = f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----"
        masked, findings = redact(f"here:\n{block}\nbye", POLICY)
        assert masked == "here:\n[REDACTED:private_key]\nbye"
        assert [f.kind for f in findings] == ["private_key"]
    cut = f"-----BEGIN RSA PRIVATE KEY-----\n{body[:100]}"
    assert body[:100] not in redact(cut, POLICY)[0]
    public = f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----"
    assert redact(public, POLICY)[1] == []


@pytest.mark.parametrize(
    "address",
    ["jane.doe@acme.io", "first.last+tag@mail.co.uk", "x_y-z@sub.domain.museum", "JOHN@CORP.DE"],
)
def test_email_addresses_are_masked(address):
    masked, findings = redact(f"Write to {address}.", POLICY)
    assert masked == "Write to [REDACTED:email]."
    assert findings[0].kind == "email"


@pytest.mark.parametrize(
    "text",
    [
        "git clone git@github.com:owner/repo.git",
        "ssh deploy@build-01.acme.io",
        "add logo@2x.png to the header",
        "npm i @types/node",
        "@app.route('/login')",
        "user@localhost has no domain",
        "see support@example.com",
        "mail alice@qa.test",
    ],
)
def test_email_near_misses_are_left_alone(text):
    assert redact(text, POLICY)[1] == []


def test_example_domains_are_masked_when_examples_are_not_allowed():
    strict = SafetyPolicy(allow_example_addresses=False)
    assert redact("see support@example.com", strict)[0] == "see [REDACTED:email]"


@pytest.mark.parametrize(
    "number",
    [
        "+49 30 1234567",
        "+1 (415) 555-2671",
        "+44 20 7946 0958",
        "+33 6 12 34 56 78",
        "+491711234567",
        "0049 30 12345678",
        "(415) 555-2671",
        "415-555-2671",
        "030 1234567",
        "0171/1234567",
        "06 12 34 56 78",
        "020 7946 0958",
    ],
)
def test_phone_numbers_are_masked(number):
    masked, findings = redact(f"Call me at {number} tomorrow.", POLICY)
    assert masked == "Call me at [REDACTED:phone] tomorrow."
    assert findings[0].kind == "phone"


@pytest.mark.parametrize(
    "text",
    [
        "on 2024-03-15 at 14:30",
        "01-02-2024",
        "version 0.12.4",
        "192.168.1.42",
        "ISBN 978-3-16-148410-0",
        "1,234,567 people",
        "+5 points",
        "order 4512-7789",
        "100 200 3000",
        "room 101, floor 3",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "+1 234",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    ],
)
def test_phone_near_misses_are_left_alone(text):
    assert redact(text, POLICY)[1] == []


def test_each_switch_turns_its_kind_off():
    text = (
        f"a@acme.io +49 30 1234567 {KEYS['redact.api_key.github']} password=hunter22x "
        "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"
    )
    switches = {
        "email": "redact_email",
        "phone": "redact_phone",
        "api_key": "redact_api_keys",
        "generic_secret": "redact_generic_secrets",
        "private_key": "redact_private_keys",
    }
    assert {f.kind for f in redact(text, POLICY)[1]} == set(KINDS)
    for kind, switch in switches.items():
        kinds = {f.kind for f in redact(text, SafetyPolicy(**{switch: False}))[1]}
        assert kinds == set(KINDS) - {kind}


def test_findings_point_at_the_original_spans_in_order():
    key = KEYS["redact.api_key.github"]
    text = f"x@acme.io then {key} then +49 30 1234567"
    masked, findings = redact(text, POLICY)
    assert [text[f.start : f.end] for f in findings] == ["x@acme.io", key, "+49 30 1234567"]
    assert masked == "[REDACTED:email] then [REDACTED:api_key] then [REDACTED:phone]"


def test_find_secrets_reports_without_masking():
    key = KEYS["redact.api_key.aws"]
    findings = find_secrets(f"key {key} mail a@acme.io", {"api_key"})
    assert [f.rule for f in findings] == ["redact.api_key.aws"]


SECRET_STRATEGY = st.sampled_from(sorted(KEYS.values()) + ["jane.doe@acme.io", "+49 30 1234567"])
FILLER = st.text(alphabet=st.sampled_from(list(" \n.,:;!?abcXYZ-_()[]\"'")), max_size=40)


@settings(max_examples=150, deadline=None)
@given(before=FILLER, secret=SECRET_STRATEGY, after=FILLER)
def test_a_secret_never_survives_whatever_surrounds_it(before, secret, after):
    text = f"{before} {secret} {after}"
    masked, findings = redact(text, POLICY)
    assert secret not in masked
    assert findings


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300))
def test_masking_twice_changes_nothing_more(text):
    once, _ = redact(text, POLICY)
    twice, findings = redact(once, POLICY)
    assert twice == once and findings == []

"""The safety policy as data, and the pure checks that apply it: no I/O here.

A :class:`SafetyPolicy` comes from the filter's valves plus an optional YAML file with the same
keys (``policy_from_sources``): the file's switches win over the valves, its lists are added to
theirs. Built-in rules live in :mod:`._rules`; a file adds its own ``input_rules`` (block)
and ``redact_rules`` (mask), and ``disabled_rules`` turns built-ins off by id or id prefix.

- ``check_input`` / ``check_turns`` (in :mod:`._check`): a message, or a person's last
  messages, allowed or blocked with the rule id and a reason.
- ``redact(text, policy) -> (text, findings)``: see :mod:`..redact`.
- ``check_output(text, policy) -> OutputVerdict``: secrets in a reply, masked or blocked.

Regexes are compiled once (built-ins at import, a policy's own ones when it is built), so a
normal chat message costs about a tenth of a millisecond, every reading of it included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ...errors import ConfigError
from .._normalise import plain
from .._settings import PolicySwitches
from ..redact import SECRET_KINDS, Detector, Finding, detectors_for, redact, scan

__all__ = [
    "OutputVerdict",
    "PatternRule",
    "PolicySwitches",
    "SafetyPolicy",
    "Verdict",
    "check_output",
    "policy_from_sources",
    "redact",
]


class PatternRule(BaseModel):
    """A rule a deployment adds in its policy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="Short id, shown to the person and written to the audit log")
    pattern: str = Field(description="Python regular expression, matched case-insensitively")
    reason: str = Field(default="", description="Why it blocks (input rules)")
    placeholder: str = Field(default="", description="Replacement text (redact rules)")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value


class SafetyPolicy(PolicySwitches):
    """Every switch and list the safety checks read. Field names are also the YAML keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    blocked_terms: list[str] = Field(  # type: ignore[assignment]
        default_factory=list, description="Words or phrases that always block"
    )
    disabled_rules: list[str] = Field(  # type: ignore[assignment]
        default_factory=list, description="Rule ids (or prefixes such as 'injection') to skip"
    )
    input_rules: list[PatternRule] = Field(default_factory=list, description="Extra block rules")
    redact_rules: list[PatternRule] = Field(default_factory=list, description="Extra masks")

    @field_validator("blocked_terms", "disabled_rules")
    @classmethod
    def _no_blanks(cls, values: list[str]) -> list[str]:
        return [v.strip() for v in values if v and v.strip()]

    def rule_enabled(self, rule_id: str) -> bool:
        return not any(
            rule_id == off or rule_id.startswith(off.rstrip(".") + ".")
            for off in self.disabled_rules
        )

    def redaction_kinds(self) -> frozenset[str]:
        switches = {
            "email": self.redact_email,
            "phone": self.redact_phone,
            "api_key": self.redact_api_keys,
            "generic_secret": self.redact_generic_secrets,
            "private_key": self.redact_private_keys,
        }
        return frozenset(
            kind for kind, on in switches.items() if on and self.rule_enabled(f"redact.{kind}")
        )

    def output_kinds(self) -> frozenset[str]:
        kinds = set(SECRET_KINDS)
        if self.output_redact_pii:
            kinds |= {"email", "phone"}
        return frozenset(k for k in kinds if self.rule_enabled(f"redact.{k}"))

    @cached_property
    def _compiled(self) -> dict[str, Any]:
        terms = sorted({t.casefold() for t in self.blocked_terms}, key=len, reverse=True)
        return {
            "terms": re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", re.IGNORECASE
            )
            if terms
            else None,
            "input": [(r, re.compile(r.pattern, re.IGNORECASE)) for r in self.input_rules],
            "redact": [
                Detector(
                    f"custom.{r.id}",
                    r.id,
                    re.compile(r.pattern, re.IGNORECASE),
                    placeholder=r.placeholder or f"[REDACTED:{r.id}]",
                )
                for r in self.redact_rules
            ],
        }

    def custom_redactors(self) -> list[Detector]:
        return [d for d in self._compiled["redact"] if self.rule_enabled(d.rule)]


class Verdict(BaseModel):
    """The outcome of ``check_input``; ``notice()`` is the text shown in the chat."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    rule: str | None = None
    category: str | None = None
    reason: str = ""

    def notice(self) -> str:
        if self.allowed:
            return ""
        hint = _HINTS.get(self.category or "", _HINTS["blocked_term"])
        return (
            f"⛔ Blocked by the safety policy (rule `{self.rule}`): your message was not passed "
            f"to the model because {self.reason}. {hint}"
        )


_HINTS = {
    "injection": "If you meant to discuss such text, put it in quotes and say what you want to "
    "know about it.",
    "command": "To learn what a command does, ask about it as a question "
    "(for example: what does this command do?).",
    "blocked_term": "If you think this is a mistake, ask an administrator.",
}
ALLOWED = Verdict(allowed=True)


class OutputVerdict(BaseModel):
    """The outcome of ``check_output``: ``text`` is what the person should see."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    action: Literal["none", "redacted", "blocked"]
    text: str
    findings: list[Finding] = Field(default_factory=list)
    rule: str | None = None


def normalize(text: str) -> str:
    """NFKC, no invisible characters, dashes as "-": look-alike spellings meet the patterns."""
    return plain(text)


def check_output(text: str, policy: SafetyPolicy) -> OutputVerdict:
    """Secrets in a model's reply: masked (``output_action='redact'``) or the reply withheld."""
    if not policy.output_check or not text:
        return OutputVerdict(allowed=True, action="none", text=text)
    detectors = detectors_for(policy.output_kinds(), allow_examples=policy.allow_example_addresses)
    detectors.extend(policy.custom_redactors())
    masked, findings = scan(text, detectors)
    if policy.output_action == "block":
        if not findings:
            return OutputVerdict(allowed=True, action="none", text=text)
        rule = findings[0].rule
        notice = (
            f"⛔ The reply was withheld by the safety policy (rule `{rule}`): it contained "
            f"{_kinds_phrase(findings)}. Ask again without requesting credentials."
        )
        return OutputVerdict(
            allowed=False, action="blocked", text=notice, findings=findings, rule=rule
        )
    if not findings:
        return OutputVerdict(allowed=True, action="none", text=text)
    return OutputVerdict(
        allowed=True, action="redacted", text=masked, findings=findings, rule=findings[0].rule
    )


def _kinds_phrase(findings: list[Finding]) -> str:
    names = {
        "api_key": "an API key or token",
        "generic_secret": "a password or secret",
        "private_key": "a private key",
        "email": "an e-mail address",
        "phone": "a phone number",
    }
    seen = dict.fromkeys(names.get(f.kind, f.kind) for f in findings)
    return " and ".join(seen)


_BOOL_WORDS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _policy_file(file_text: str, source: str, known: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of a policy file, checked: YAML, a mapping, only policy keys."""
    try:
        data = yaml.safe_load(file_text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source} must be a mapping of policy keys")
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{source} has unknown keys: {', '.join(map(str, unknown))}")
    return data


def _refine(merged: dict[str, Any], data: dict[str, Any]) -> None:
    """A policy file's values over the valves': lists add up, yes/no words are booleans."""
    for key, value in data.items():
        current = merged.get(key)
        if isinstance(value, list) and isinstance(current, list):
            merged[key] = current + value
        elif isinstance(value, str) and value.lower() in _BOOL_WORDS and key != "output_action":
            merged[key] = _BOOL_WORDS[value.lower()]
        else:
            merged[key] = value


def policy_from_sources(
    valves: PolicySwitches | Mapping[str, Any],
    file_text: str | None = None,
    *,
    source: str = "policy file",
) -> SafetyPolicy:
    """The valves' switches refined by the YAML text of a policy file.

    ``valves`` is the filter's settings, or their ``model_dump()``; only the
    :class:`PolicySwitches` are read from it."""
    known = SafetyPolicy.model_fields
    values = valves.model_dump() if isinstance(valves, BaseModel) else valves
    switches = PolicySwitches.model_fields
    merged: dict[str, Any] = {k: v for k, v in values.items() if k in switches and v is not None}
    for key in ("blocked_terms", "disabled_rules"):
        if isinstance(merged.get(key), str):  # the admin page edits lists as comma-separated text
            merged[key] = merged[key].split(",")
    if isinstance(merged.get("output_action"), str):
        merged["output_action"] = merged["output_action"].strip().lower() or "redact"
    if file_text and file_text.strip():
        _refine(merged, _policy_file(file_text, source, known))
    try:
        return SafetyPolicy(**merged)
    except ValidationError as exc:
        raise ConfigError(f"safety policy from valves and {source}: {exc}") from exc

"""Is a dangerous phrase asked *about*, or asked *for*? Pure text heuristics, no I/O.

``is_request`` decides for a destructive command; ``is_quoted_discussion`` for an injection
marker. The order of the command decision, first hit wins:

1. the sentence warns against it ("never run ...", "don't type ...") or describes it as the
   subject of a statement ("`rm -rf /` will destroy everything"): not a request;
2. the sentence is a request: an imperative at its start or at the start of one of its clauses
   ("Run ...", "Now type ...", "Format my disk", "Look at this and run it"), or a request to
   the assistant ("can you run", "please delete", "I want you to", "you must run", "go ahead");
3. the sentence is a question or asks for a review ("what does", "why", "is it safe", "review
   my script", "debug this", a question mark): not a request;
4. the same tests over the whole message (a code block under "Run this:" or "What does
   this do?");
5. otherwise — a bare command with nothing around it — it counts as a request.
"""

from __future__ import annotations

import re

_VERB = (
    r"(?:run|execute|exec|type|enter|launch|invoke|perform|issue|paste|format|reformat|wipe|"
    r"erase|delete|remove|destroy|nuke|shred|overwrite|trash|do|try|use|open|start|"
    r"führe|formatiere|lösche|exécute[rz]?|formate[rz]?|efface[rz]?|supprime[rz]?|ejecuta|"
    r"formatea|borra|elimina|esegui|formatta|cancella|apague)"
)
_ACTION = rf"(?:{_VERB}|sudo|rm|dd|mkfs\S*|wipefs|del|rd|chmod|chown|diskpart)"
_PLEASE = r"(?:please|pls|plz|kindly|bitte|por\s+favor|per\s+favore|s'il\s+(?:te|vous)\s+pla[iî]t)"
_FILLER = (
    r"(?:ok(?:ay)?|now|alright|so|then|and|but|also|hey|hi|yo|just|quickly|first|next|finally|"
    rf"assistant|agent|computer|jetzt|maintenant|ahora|{_PLEASE})"
)
_LEAD = re.compile(rf"^[\s`>*_\-\"'“”‘’(\[$#]*(?:{_FILLER}\b[\s,:!.]*)*", re.IGNORECASE)
_IMPERATIVE = re.compile(rf"{_VERB}\b", re.IGNORECASE)
_REQUEST = re.compile(
    rf"\b(?:can|could|would|will|won't|wont)\s+(?:you|u)\s+(?:please\s+|pls\s+|just\s+|now\s+|"
    rf"quickly\s+|go\s+and\s+)?{_ACTION}\b"
    rf"|\b{_PLEASE}\s+(?!don'?t\b|do\s+not\b|never\b)(?:just\s+|now\s+|go\s+ahead\s+and\s+)?"
    rf"{_ACTION}\b"
    rf"|\b{_ACTION}\b[^.?!\n]{{0,80}}\b(?:for\s+me|please|pls|asap)\b"
    r"|\bi\s+(?:want|need|would\s+like|'d\s+like|order|command|am\s+asking|'m\s+asking)\s+you\s+to\b"
    rf"|\byou\s+(?:must|have\s+to|need\s+to|are\s+to|shall|will\s+now|should\s+now)\s+(?:now\s+)?"
    rf"{_ACTION}\b"
    r"|\bgo\s+ahead\s+and\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"(?:what|what's|whats|why|how|when|where|which|who|whose|is|are|was|were|does|did|"
    r"do\s+(?:i|you|we|they|people|most|all)|should|shall|would|could|can\s+(?:i|we|one|someone|"
    r"anyone|this|it|that)|may\s+i|explain|describe|define|tell\s+me\s+(?:about|what|why|how|if|"
    r"whether)|help\s+me\s+understand|i\s+(?:accidentally|mistakenly|just)?\s*(?:ran|typed|"
    r"executed|saw|read|found|noticed|heard)|someone|my\s+(?:friend|colleague|coworker|boss)|"
    r"beware|caution|careful|warning|danger|in\s+(?:bash|linux|unix|windows|"
    r"powershell)|wie|warum|wieso|qu'est|que|pourquoi|comment|qué|por\s+qué|cómo|cosa|"
    r"perché|come)\b",
    re.IGNORECASE,
)
_DISCUSSION = re.compile(
    r"\?|\bwhat\s+(?:does|would|will|happens|is|are)\b|\bexplain\b|\bmeaning\b"
    r"|\bwhether\b|\bwonder(?:ing)?\s+if\b|\basked\s+(?:me\s+)?if\b"
    r"|\b(?:review|debug|analy[sz]e|refactor|lint|audit|comment\s+on|look\s+at|"
    r"what'?s\s+wrong|wrong\s+with)\b"
    rf"|\b(?:never|don'?t|do\s+not|shouldn'?t|should\s+not|must\s+not|mustn'?t|avoid)\s+"
    rf"(?:\w+\s+){{0,2}}{_ACTION}\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    rf"\b(?:never|don'?t|do\s+not|shouldn'?t|should\s+not|must\s+not|mustn'?t|avoid)\s+"
    rf"(?:\w+\s+){{0,2}}{_ACTION}\b",
    re.IGNORECASE,
)
_DESCRIBED = re.compile(
    r"[`'\"”’]?\s*(?:is|was|does|did|means|will|would|can|could|should|deletes|destroys|wipes|"
    r"formats|erases|removes|overwrites|freezes|crashes|actually)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n\s*\n")
_CLAUSE_START = re.compile(r"[,;:]\s*|\b(?:and\s+then|then|and)\s+", re.IGNORECASE)


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence around ``text[start:end]``."""
    left = 0
    for boundary in _SENTENCE_END.finditer(text, 0, start):
        left = boundary.end()
    right_hit = _SENTENCE_END.search(text, end)
    right = right_hit.end() if right_hit else len(text)
    return left, right


def _starts_imperative(fragment: str) -> bool:
    lead = _LEAD.match(fragment)
    rest = fragment[lead.end() if lead else 0 :]
    return bool(_IMPERATIVE.match(rest)) and not _QUESTION_START.match(rest)


def _asks(fragment: str) -> bool:
    lead = _LEAD.match(fragment)
    rest = fragment[lead.end() if lead else 0 :]
    return bool(_QUESTION_START.match(rest) or _DISCUSSION.search(fragment))


def is_request(text: str, start: int, end: int) -> bool:
    """True when the dangerous span ``text[start:end]`` is asked for rather than asked about."""
    left, right = _sentence(text, start, end)
    sentence = text[left:right]
    if _NEGATED.search(sentence):
        return False
    requested = _REQUEST.search(sentence)
    is_subject = start <= left + _LEAD.match(sentence).end()
    if (
        not requested
        and (is_subject or not _starts_imperative(sentence))
        and _DESCRIBED.match(text, end)
    ):
        return False
    if requested or _starts_imperative(sentence):
        return True
    if not _QUESTION_START.match(sentence[_LEAD.match(sentence).end() :]) and any(
        _starts_imperative(text[clause.end() : right])
        for clause in _CLAUSE_START.finditer(text, left, right)
    ):
        return True
    if _asks(sentence):
        return False
    if _REQUEST.search(text) or any(
        _starts_imperative(text[m.end() :]) for m in _SENTENCE_END.finditer(text, 0, left)
    ):
        return True
    return not _asks(text)


_QUOTED = re.compile(
    r"```.*?(?:```|\Z)|`[^`\n]+`|\"[^\"\n]+\"|(?<!\w)'[^'\n]{3,}'(?!\w)|“[^”\n]+”|„[^“”\n]+[“”]|«[^»\n]+»"
    r"|‘[^’\n]+’",
    re.DOTALL,
)
_ABOUT = re.compile(
    r"\bprompt[\s-]?injections?\b|\bjailbreak(?:s|ing)?\b|\battacks?\b|\bexamples?\b|\bdetect"
    r"|\bdefen[ds]|\bprotect|\bprevent|\bfilter|\bmitigat|\bclassif|\bregex|\bwhat\s+(?:is|are|"
    r"does|do)\b|\bhow\s+(?:do|does|can|to|should)\b|\bexplain|\bwhy\b|\bmean(?:s|ing)?\b"
    r"|\btokens?\b|\btemplates?\b|\btokenizer",
    re.IGNORECASE,
)


def is_quoted_discussion(text: str, start: int, end: int) -> bool:
    """True when the marker sits inside quotes or code and the message talks about it."""
    for quoted in _QUOTED.finditer(text):
        if quoted.start() <= start and end <= quoted.end():
            outside = text[: quoted.start()] + " " + text[quoted.end() :]
            return bool(_ABOUT.search(outside))
        if quoted.start() > start:
            break
    return False

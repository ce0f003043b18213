"""Looking at the screen or acting on it? Which computer-use model a message needs (no I/O).

A message that starts with an action (after "please", "can you", ...) or asks for one without
asking about the screen goes to Agent-S; anything else goes to Screen, which only looks: when
unsure, the message goes where nothing can be clicked.
"""

from __future__ import annotations

import re

_POLITE = re.compile(
    r"^(?:(?:please|pls|ok|okay|now|then|hey|so|and|also|bitte|s'il te plaît|s'il vous plaît|"
    r"por favor|can you|could you|would you|will you|can u|i want you to|i need you to|"
    r"i'd like you to|go ahead and|kannst du|könntest du|peux-tu|pouvez-vous|puedes|"
    r"podrías)[\s,]+)+"
)
_ACT = (
    r"click|double[- ]?click|right[- ]?click|left[- ]?click|tap|press|hit|push|type|write|enter|"
    r"open|close|quit|exit|launch|start|run|scroll|drag|drop|move|select|highlight|copy|paste|"
    r"cut|save|delete|remove|fill|submit|send|tick|uncheck|toggle|switch|minimi[sz]e|maximi[sz]e|"
    r"navigate|go|browse|log|sign|search|install|play|pause|resize|rename|choose|pick|use|"
    r"klick\w*|drück\w*|öffne\w*|schließ\w*|tipp\w*|scroll\w*|gib|wähl\w*|speicher\w*|"
    r"cliqu\w*|ouvr\w*|ouvre|ferm\w*|tap\w*|appui\w*|écri\w*|sélectionn\w*|"
    r"haz|pulsa|abre|abrir|escrib\w*|cierra|presiona|selecciona|guarda"
)
_ACT_FIRST = re.compile(rf"^(?:{_ACT})\b")
_ACT_ANYWHERE = re.compile(rf"\b(?:{_ACT})\b")
_CHECK_BOX = re.compile(r"^(?:check|tick)\s+(?:the|that|this)\b.*\b(?:box|checkbox|option)\b")
_LOOK = re.compile(
    r"\b(?:what|what's|whats|which|where|who|how|is there|are there|do you see|can you see|"
    r"see|describe|read|tell me|summari[sz]e|explain|look|show me|check (?:whether|if|my)|"
    r"did|does|is|are|was|wie|welche\w*|beschreib\w*|zeig\w*|qu'est|que|quel\w*|dis-moi|"
    r"décri\w*|qué|cuál\w*|dime)\b"
)


def wants_screen_action(text: str) -> bool:
    """True when a computer-use message asks to act on the screen, False when it asks to look."""
    words = " ".join((text or "").lower().split()).lstrip("/ ")
    words = _POLITE.sub("", words)
    if _CHECK_BOX.search(words):
        return True
    if re.match(r"^check\b", words):
        return False
    if _ACT_FIRST.search(words):
        return True
    if _LOOK.search(words) or words.endswith("?"):
        return False
    return bool(_ACT_ANYWHERE.search(words))

"""The built-in input rules, as data: prompt-injection markers and destructive-command requests.

Each rule is an id, a category, a human reason and precompiled patterns. Pure; no I/O.

Where the line is drawn (and why):

- **Injection markers** block wherever they stand, with one exception: a marker inside quotes,
  backticks or a code block, in a message that talks *about* it ("what is a prompt injection
  like 'ignore all previous instructions'?"), passes. The same words as an instruction do not.
  Phrases a person uses about their *own* earlier messages ("ignore my previous message",
  "forget the instructions I gave you") are not markers.
- **Destructive commands** (``rm -rf /``, ``dd of=/dev/sda``, ``mkfs``, fork bombs, ``format c:``,
  "format my disk", "delete system32") block only when phrased as a request to carry them out:
  an imperative ("Run rm -rf /", "Format my disk"), a request to the assistant ("can you run
  ...", "please run ...", "I want you to ...") or the bare command on its own. A question or a
  warning about it passes ("What does rm -rf / do?", "Is dd if=/dev/zero of=/dev/sda safe?",
  "Never run rm -rf /"), as does a first-person plan ("I want to format my disk, which tool?").
  The model answering a question runs nothing; the computer-use validator separately refuses to
  type such commands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Category = Literal["injection", "command"]


@dataclass(frozen=True)
class InputRule:
    id: str
    category: Category
    reason: str
    patterns: tuple[re.Pattern[str], ...]
    span: Callable[[re.Match[str]], tuple[int, int] | None] | None = None
    """Vets a match and says which part of it is the dangerous phrase (None: not a hit)."""
    needles: tuple[str, ...] = ()
    """Lower-case substrings of which one must occur in the message for the patterns to run."""


def _rx(*patterns: str, flags: int = re.IGNORECASE) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, flags) for p in patterns)


_NOUNS = (
    r"(?:instructions?|prompts?|rules|directions|directives|guidelines|commands|orders|"
    r"constraints|programming|restrictions|system\s+prompt|guardrails)"
)
_MINE = (
    r"(?!\s*(?:,\s*)?(?:that\s+|which\s+)?i\s+"
    r"(?:gave|wrote|sent|typed|said|mentioned|provided))"
)

INJECTION_RULES: tuple[InputRule, ...] = (
    InputRule(
        "injection.ignore_instructions",
        "injection",
        "it tells the assistant to ignore its instructions (a prompt-injection pattern)",
        _rx(
            rf"\b(?:ignore|disregard|forget|override|bypass|skip|drop)\s+(?:all\s+|any\s+|every\s+)?"
            rf"(?:of\s+)?(?:the\s+|your\s+|these\s+|those\s+|its\s+)?(?:\w+\s+)?"
            rf"(?:previous|prior|above|earlier|preceding|former|foregoing|initial|original|system)"
            rf"\s+(?:\w+\s+)?{_NOUNS}\b{_MINE}",
            rf"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+)?(?:of\s+)?your\s+"
            rf"(?:\w+\s+)?{_NOUNS}\b",
            rf"\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:of\s+)?(?:the|these|those)\s+"
            rf"{_NOUNS}\s+(?:above|before\s+this|so\s+far|you\s+(?:were\s+)?(?:given|received))\b",
            r"\bforget\s+(?:everything|all)\s+(?:you\s+(?:were|have\s+been)\s+told|"
            r"(?:that\s+)?you\s+(?:were|have\s+been)\s+(?:told|instructed|programmed))",
            r"\b(?:ignorier(?:e|en)?|vergiss|missachte)\s+(?:bitte\s+)?(?:alle\s+|sämtliche\s+)?"
            r"(?:deine\s+|die\s+)?(?:vorherigen|vorigen|bisherigen|früheren|obigen|vorangegangenen)\s+"
            r"(?:Anweisungen|Instruktionen|Befehle|Regeln|Vorgaben)",
            r"\b(?:ignore[rz]?|oublie[rz]?)\s+(?:toutes\s+|tous\s+)?(?:les\s+|tes\s+|vos\s+)?"
            r"(?:instructions|consignes|règles|directives)\s+(?:précédentes|antérieures|ci-dessus)",
            r"\b(?:ignora|ignore|ignorar|olvida|olvide|olvidar)\s+(?:todas\s+)?(?:las\s+|tus\s+)?"
            r"(?:instrucciones|indicaciones|reglas|órdenes)\s+(?:anteriores|previas)",
            r"\b(?:ignora|dimentica)\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|regole)\s+precedenti",
            r"\b(?:ignore|ignora|esqueça|esqueca)\s+(?:todas\s+)?(?:as\s+)?"
            r"(?:instruções|instrucoes|regras)\s+anteriores",
            r"\b(?:negeer|vergeet)\s+(?:alle\s+)?(?:de\s+)?(?:vorige|eerdere|voorgaande)\s+"
            r"(?:instructies|regels)",
            r"\b(?:zignoruj|ignoruj)\s+(?:wszystkie\s+)?(?:poprzednie|wcześniejsze)\s+"
            r"(?:instrukcje|polecenia)",
            r"(?:игнорируй|проигнорируй|забудь)\s+(?:все\s+)?(?:предыдущие|прошлые|прежние)\s+"
            r"(?:инструкции|указания)",
            r"(?:忽略|无视|忘记|忽視|無視)[掉了]?(?:你)?(?:之前|以前|先前|上面|前面)?(?:的)?(?:所有)?(?:的)?"
            r"(?:指令|指示|提示词|规则|規則)",
            r"(?:以前|前|上記)の(?:すべての|全ての)?(?:指示|命令|プロンプト)を(?:すべて|全て)?無視",
        ),
        needles=(
            "ignor",
            "disregard",
            "forget",
            "override",
            "bypass",
            "skip",
            "drop",
            "vergiss",
            "missacht",
            "oubli",
            "olvid",
            "dimentic",
            "esque",
            "negeer",
            "vergeet",
            "игнор",
            "забудь",
            "忽略",
            "无视",
            "忘记",
            "忽視",
            "無視",
        ),
    ),
    InputRule(
        "injection.persona_override",
        "injection",
        "it tries to switch the assistant into an unrestricted persona (DAN, 'developer mode')",
        _rx(
            r"(?i:\byou\s+are\s+(?:now\s+)?)DAN\b",
            r"(?i:\b(?:act|pretend|roleplay)\s+(?:to\s+be\s+|as\s+))DAN\b",
            flags=0,
        )
        + _rx(
            r"\bdo\s+anything\s+now\b.{0,40}(?-i:\bDAN\b)|(?-i:\bDAN\b).{0,40}\bdo\s+anything\s+now\b",
            r"\b(?:DAN|jailbreak|jailbroken)\s+mode\b",
            r"\byou\s+(?:are|will\s+be|are\s+now)\s+(?:now\s+)?(?:in|running\s+in)\s+"
            r"(?:developer|dev|god|unrestricted)\s+mode\b",
            r"\b(?:chatgpt|gpt|assistant|ai|model|you)\s+with\s+developer\s+mode\s+enabled\b",
            r"\byou\s+are\s+(?:now\s+)?(?:no\s+longer|not)\s+(?:bound|restricted|limited|constrained)"
            r"\s+by\b",
            r"\b(?:pretend|imagine)\s+(?:that\s+)?(?:you\s+are|you're|to\s+be)\s+an?\s+"
            r"(?:unfiltered|uncensored|unrestricted|jailbroken|evil)\s+(?:ai|model|assistant|chatbot)",
            r"\bfrom\s+now\s+on,?\s+you\s+(?:are|will\s+act\s+as)\s+an?\s+"
            r"(?:unfiltered|uncensored|unrestricted|jailbroken)\b",
            r"\bbypass\s+your\s+(?:safety|content)\s+(?:filters?|guidelines|guardrails|policies)",
        ),
        needles=(
            "dan",
            "jailbr",
            "developer mode",
            "no longer",
            "not bound",
            "not restricted",
            "not limited",
            "not constrained",
            "pretend",
            "imagine",
            "from now on",
            "bypass",
        ),
    ),
    InputRule(
        "injection.reveal_system_prompt",
        "injection",
        "it asks the assistant to reveal its system prompt or hidden instructions",
        _rx(
            r"\b(?:reveal|show|print|output|repeat|display|tell|give|share|leak|dump|expose|recite|"
            r"paste|what\s+(?:is|are|was|were)|what's)(?:\s+me|\s+us)?\s+(?:back\s+)?"
            r"(?:all\s+|exactly\s+|verbatim\s+)*(?:of\s+)?your\s+"
            r"(?:(?:full|entire|complete|original|initial|hidden|secret|exact|real|internal)\s+){0,3}"
            r"(?:system\s+(?:prompt|message|instructions)|(?:initial|original|hidden|secret)\s+"
            r"(?:prompt|instructions)|pre-?prompt)\b",
            r"\b(?:reveal|print|output|repeat|dump|leak|recite|expose)\s+(?:back\s+)?"
            r"(?:all\s+|verbatim\s+)*(?:of\s+)?your\s+(?:prompt|instructions)\b",
            r"\brepeat\s+(?:everything|all|the\s+(?:text|words))\s+above\b",
            r"\b(?:zeig|zeige|gib|nenne)\s+(?:mir\s+)?(?:deinen?|deine)\s+"
            r"(?:System-?prompt|System-?anweisungen|Anweisungen)",
            r"\b(?:révèle|montre|affiche|donne)[- ](?:moi\s+)?(?:ton|tes|votre|vos)\s+"
            r"(?:prompt\s+système|instructions\s+(?:système|cachées))",
            r"\b(?:revela|muestra|muéstrame|dime)\s+(?:tu|tus)\s+"
            r"(?:prompt\s+(?:del\s+)?sistema|instrucciones\s+(?:del\s+sistema|ocultas))",
        ),
        needles=("prompt", "instruction", "system", "above", "anweisung", "instrucci"),
    ),
    InputRule(
        "injection.role_tag",
        "injection",
        "it contains chat-template control tags (such as <|im_start|>system) that forge a turn",
        _rx(
            r"<\|im_start\|>\s*(?:system|assistant|developer)\b",
            r"<\|start_header_id\|>\s*(?:system|assistant|developer|ipython)\s*<\|end_header_id\|>",
            r"<\|(?:system|assistant|developer)\|>",
            r"<<SYS>>|\[/?INST\]\s*<<SYS>>",
            r"<start_of_turn>\s*(?:system|model)\b",
        ),
        needles=("<|", "<<sys>>", "<start_of_turn>"),
    ),
)

_DISK = r"/dev/(?:sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d+n\d+|mmcblk\d+|r?disk\d+|md\d+)"
_TARGET = (
    r"(?:my|the|your|this|our|that)?\s*(?:entire\s+|whole\s+|main\s+|primary\s+|boot\s+|system\s+)?"
    r"(?:hard\s*drive|hard\s*disk|disk|drive|ssd|hdd|c:?\s*drive|computer|pc|laptop|machine|"
    r"server|system)s?\b"
)

_RM_REASON = "it asks to delete a whole file system or home folder (e.g. rm -rf /)"

COMMAND_RULES: tuple[InputRule, ...] = (
    InputRule(
        "command.recursive_delete",
        "command",
        _RM_REASON,
        _rx(r"\brm((?:\s+-{1,2}[\w-]+)+)((?:\s+[^\s;&|`)]+)+)", flags=0),
        span=lambda match: destructive_rm(match),
        needles=("rm",),
    ),
    InputRule(
        "command.recursive_delete",
        "command",
        _RM_REASON,
        _rx(
            r"\b(?:delete|remove|erase|wipe)\s+(?:all|every)\s+(?:of\s+)?(?:the\s+)?files?\s+"
            r"(?:on|in|from)\s+(?:my|the|your|this)\s+(?:computer|pc|system|disk|drive|machine|"
            r"hard\s*drive|server|home\s+(?:folder|directory))\b",
            r"\b(?:delete|erase|wipe|remove)\s+everything\s+(?:on|in|from)\s+(?:my|the|your|this)\s+"
            r"(?:computer|pc|system|disk|drive|machine|hard\s*drive|server)\b",
            r"\bmv\s+(?:-\S+\s+)*(?:/|~|\$HOME)\s+/dev/null\b",
            r"\blösche\s+(?:alle\s+Dateien|alles)\s+auf\s+(?:meinem|dem)\s+(?:Computer|Rechner|PC)",
        ),
        needles=("delete", "remove", "erase", "wipe", "/dev/null", "lösche"),
    ),
    InputRule(
        "command.disk_overwrite",
        "command",
        "it asks to overwrite a whole disk device (e.g. dd of=/dev/sda)",
        _rx(
            rf"\bdd\b[^\n;|&]{{0,200}}?\bof=\s*{_DISK}",
            rf"\b(?:shred|wipefs|blkdiscard|badblocks\s+-w)\b[^\n;|&]{{0,100}}?{_DISK}",
            rf"(?<![<>&\d])>\s*{_DISK}\b",
        ),
        needles=("/dev/",),
    ),
    InputRule(
        "command.format_disk",
        "command",
        "it asks to format or wipe a disk",
        _rx(
            rf"\bmkfs(?:\.\w+)?\b[^\n;|&]{{0,100}}?{_DISK}",
            r"\bformat(?:\.com)?\s+[a-z]:(?!\w)",
            r"\b(?:Format-Volume|Clear-Disk)\b",
            r"\bdiskpart\b[^\n]{0,200}?\bclean\b",
            rf"\b(?:format|reformat|wipe|erase|nuke|destroy)\s+{_TARGET}",
            r"\bformatier(?:e|en)?\s+(?:meine|die|deine)\s+(?:Festplatte|SSD|Platte)",
            r"\bformate[rz]?\s+(?:mon|le|ton|votre)\s+(?:disque|ordinateur|pc)",
            r"\bformate(?:a|ar)?\s+(?:mi|el|tu|su)\s+(?:disco|ordenador|computadora)",
            r"\bformatta(?:re)?\s+(?:il\s+mio\s+|il\s+)?(?:disco|computer)",
        ),
        needles=("mkfs", "format", "diskpart", "clear-disk", "wipe", "erase", "nuke", "destroy"),
    ),
    InputRule(
        "command.fork_bomb",
        "command",
        "it asks to run a fork bomb, which freezes the machine",
        _rx(
            r":\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:",
            r"\b([A-Za-z_]\w{0,30})\s*\(\s*\)\s*\{\s*\1\s*\|\s*\1\s*&\s*\}\s*;\s*\1\b",
            r"%0\s*\|\s*%0",
            r"\bfork\s+while\s+fork\b",
            r"\bwhile\s*(?:True|1)\s*:\s*os\.fork\(\)",
        ),
        needles=("fork", "&", "%0"),
    ),
    InputRule(
        "command.system_files",
        "command",
        "it asks to delete operating-system files (e.g. System32)",
        _rx(
            r"\b(?:del|erase|rd|rmdir|Remove-Item)\b[^\n;&|]{0,80}?[a-z]:\\(?:windows\b|\*|\s|$)",
            r"\b(?:delete|remove|erase|del|rm|lösche|supprime[rz]?|borra[r]?|elimina[r]?)\s+"
            r"(?:the\s+|le\s+dossier\s+|la\s+carpeta\s+)?(?:windows\s+)?system\s*32\b",
        ),
        needles=("system32", "system 32", ":\\"),
    ),
    InputRule(
        "command.permissions",
        "command",
        "it asks to change ownership or permissions of the whole file system",
        _rx(r"\bch(?:mod|own|grp)\s+(?:-\w+\s+)*-\w*R\w*\s+(?:\S+\s+)?/(?:\*)?(?=\s|$|[`'\"])"),
        needles=("chmod", "chown", "chgrp"),
    ),
)

INPUT_RULES: tuple[InputRule, ...] = INJECTION_RULES + COMMAND_RULES

# --- rm -rf: which arguments make it destructive -------------------------------------------

_ROOTISH = re.compile(
    r"""^["']?(?:/|/\*|/\.|~|~/|~/\*|\$HOME/?\*?|\$\{HOME\}/?\*?|"""
    r"""/(?:etc|usr|bin|sbin|boot|lib|lib32|lib64|var|home|root|opt|sys|proc|dev|srv|"""
    r"""mnt|media|System|Users|Applications|Library)"""
    r"""(?:/(?:bin|sbin|lib|lib32|lib64|libexec|local|share|include))?/?\*?)["']?$"""
)


def destructive_rm(match: re.Match[str]) -> tuple[int, int] | None:
    """``rm`` with a recursive flag aimed at the root, a system folder or home: the span up to
    that target, so the words after it can still be read as the rest of the sentence."""
    tokens = list(re.finditer(r"\S+", match.group(0)))[1:]
    flags = [t.group(0) for t in tokens if t.group(0).startswith("-")]
    recursive = "--no-preserve-root" in flags or any(
        f == "--recursive" or (not f.startswith("--") and ("r" in f or "R" in f)) for f in flags
    )
    if not recursive:
        return None
    for token in tokens:
        # A target may end a clause: "rm -rf /etc, then ..." aims at /etc.
        target = token.group(0).rstrip(",;:!?)")
        if not target.startswith("-") and _ROOTISH.match(target):
            return match.start(), match.start() + token.end()
    if "--no-preserve-root" in flags:
        return match.span()
    return None

"""What an action may not type: destructive or privileged shell commands.

The text is looked at in several forms, because a shell reads ``r\\m -r''f /``, ``{rm,-rf,/}``,
``$'\\x72\\x6d'`` or ``rm${IFS}-rf`` as ``rm -rf``: as typed (NFKC, invisible characters
removed), with the usual shell quoting and escapes undone, and with base64-looking tokens decoded.
Short words that are also English (``shutdown``, ``reboot``, ``sudo``, ``rm``) count only where a
shell would read them as a command: at the start of a line or after ``;``, ``&``, ``|``, ``$(``,
a prompt sign, or a wrapper such as ``sudo``, ``bash -c`` or ``cmd /c``.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

_FLAGS = re.IGNORECASE | re.MULTILINE
# Gaps inside one command line are bounded ({0,300}) so a long crafted line costs linear time.

# Where a shell starts reading a command name: line start, a separator, a prompt sign or a
# `-c`/`/c` wrapper, then any of the words that run the next word as a command.
_SEP = r"(?:^|[;&|(`{]|!(?=\S)|\$\(|\$\s|\s-c\s|/[ck]\s|-command\s)"
_AT = (
    _SEP + r"\s*[\"']?\s*(?:(?:then|do|else|sudo|doas|pkexec|nohup|exec|command|xargs|env|time"
    r"|watch)\s+(?:-\S+\s+)*)*"
)
# A pipe into an interpreter, ended the way a command line ends (not a markdown table cell).
# A shell reads the piped text as commands whatever its options; an interpreter only when it
# gets no script (`| python3 -m json.tool` reads data, `| python3` or `| python3 -` runs it).
_INTERPRETER = (
    r"(?:(?:(?:ba|z|da|k|c|tc|fi|a|mk)?sh|powershell(?:\.exe)?|pwsh|cmd(?:\.exe)?)"
    r"(?=\s*(?:$|[;&)]|-))|(?:python[0-9.]*|perl|ruby|node|php|lua)(?=\s*(?:$|[;&)]|-(?:\s|$)))"
    r"|iex\b|invoke-expression\b)"
)
_END = r"(?=\s*(?:$|[;&|)]))"

# (rule, why, pattern)
_COMMAND_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "privilege-escalation",
        "runs a command as administrator (sudo/su/doas/pkexec/runas)",
        _SEP + r"\s*[\"']?\s*(?:sudo|doas|pkexec|runas)\b",
    ),
    (
        "privilege-escalation",
        "switches to another user (su)",
        _AT + r"su(?:\s*$|\s+(?:-\w*|root\b))",
    ),
    (
        "destructive-command",
        "deletes files recursively or by force (rm -r / -f)",
        r"\brm\s+(?:-\S+\s+)*-[a-z]*[rf]|\brm\b[^\n]{0,300}--(?:recursive|force|no-preserve-root)\b",
    ),
    (
        "destructive-command",
        "deletes files (rm / del / erase / Remove-Item)",
        _AT
        + r"(?:rm|remove-item)\s+\S|"
        + _AT
        + r"(?:del|erase)\s+(?:/[a-z]\b|[a-z]:\\|\.?\\|\S*\*|\S+\.\w{1,4}\b)",
    ),
    (
        "destructive-command",
        "deletes a directory tree (rd /s, rmdir /s, del /s)",
        r"\b(?:rd|rmdir|del|erase)\b[^\n]{0,300}\s/s\b",
    ),
    (
        "destructive-command",
        "deletes recursively or by force (Remove-Item -Recurse/-Force)",
        r"\b(?:remove-item|ri)\b[^\n]{0,300}\s-(?:r|rec|recurse|fo|force)\w*\b"
        r"|\|\s*(?:remove-item|ri|rm|del|erase)\b",
    ),
    (
        "destructive-command",
        "overrides the protection of the root directory",
        r"--no-preserve-root\b",
    ),
    (
        "destructive-command",
        "formats or wipes a disk",
        r"\bmkfs(?:\.\w+)?\b|\bformat\s+[a-z]:|\b(?:format-volume|clear-disk|remove-partition|"
        r"initialize-disk)\b|\bdiskutil\s+(?:erase\w*|zerodisk|secureerase|partitiondisk|reformat)\b"
        r"|" + _AT + r"(?:mke2fs|mkswap|wipefs|s?fdisk|gdisk|cfdisk|parted|blkdiscard|shred|wipe|"
        r"srm|diskpart|badblocks\s+-w)\b",
    ),
    (
        "destructive-command",
        "writes raw data onto a device or system file (dd of=, > /dev/sdX)",
        r"\bdd\b[^\n]{0,300}\bof=\s*/(?:dev/(?!null\b)|boot|etc|bin|sbin|usr|lib|var|root)"
        r"|>\s*/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|md|dm-)"
        r"|>\s*/etc/(?:passwd|shadow|sudoers|fstab|group|hosts)\b|\btee\s+(?:-a\s+)?/etc/"
        r"|/proc/sysrq-trigger",
    ),
    ("destructive-command", "moves files into /dev/null", r"\bmv\b[^\n]{0,300}\s/dev/null\b"),
    (
        "destructive-command",
        "opens up permissions recursively or on system paths (chmod/chown)",
        r"\bchmod\b[^\n;|&]{0,300}(?:\s-[a-z]*r[a-z]*\b|--recursive)[^\n;|&]{0,300}\b0?777\b"
        r"|\bchmod\b[^\n;|&]{0,300}\b0?777\b[^\n;|&]{0,300}(?:\s-[a-z]*r[a-z]*\b|--recursive|\s[/~]|\$home)"
        r"|\bch(?:mod|own|grp)\b[^\n;|&]{0,300}\s(?:/\*?|~/?|\$home/?|/(?:etc|usr|bin|sbin|lib|lib64|boot|"
        r"root|sys|proc|dev|var|home)(?:/\S*)?)" + _END,
    ),
    (
        "power-command",
        "shuts down, reboots, suspends or logs out the machine",
        _AT + r"(?:shutdown(?:\.exe)?|reboot|poweroff|halt)\b(?=\s*$|\s*[;&|)]|\s+[-/+\d]|\s+now\b)"
        r"|" + _AT + r"(?:tel)?init\s+[06]\b"
        r"|\bsystemctl\s+(?:-\S+\s+)*(?:poweroff|reboot|halt|suspend|hibernate|hybrid-sleep|"
        r"suspend-then-hibernate|kexec|rescue|emergency|isolate|soft-reboot)\b"
        r"|\bloginctl\s+(?:terminate|kill|lock|poweroff|reboot|suspend|hibernate)"
        r"|\b(?:gnome-session-quit|xfce4-session-logout|lxsession-logout|tsdiscon)\b"
        r"|\b(?:stop-computer|restart-computer)\b|\blockworkstation\b|\bsetsuspendstate\b"
        r"|\bxdg-screensaver\s+lock\b|\bdm-tool\s+(?:lock|switch-to-greeter)\b"
        r"|\bpmset\s+(?:sleepnow|displaysleepnow)\b|" + _AT + r"logoff\b",
    ),
    (
        "destructive-command",
        "kills every process or the init process",
        _AT + r"kill\s+(?:-\S+\s+)*(?:-1|1)(?:\s|$)|\bkillall5\b"
        r"|" + _AT + r"(?:pkill|killall)\s+(?:-\S+\s+)*-u\b",
    ),
    (
        "destructive-command",
        "deletes scheduled jobs or user accounts, or changes passwords",
        _AT + r"(?:crontab\s+(?:-\S+\s+)*-r\b|userdel|deluser|usermod|passwd|chpasswd|visudo"
        r"|useradd|adduser)\b|\bnet\s+user\s+\S+[^\n]{0,300}/(?:delete|add)\b"
        r"|\bnet\s+localgroup\s+administrators\b[^\n]{0,300}/add\b",
    ),
    (
        "privilege-escalation",
        "elevates a process or plants a login key or setuid bit",
        r"-verb\s+runas\b|\bchmod\s+(?:-\S+\s+)*(?:[ugoa]*\+[rwxt]*s|[2-7][0-7]{3}\s+/)"
        # Any line naming authorized_keys, unless all it does is show or list the file.
        r"|^(?!\s*(?:cat|less|more|head|tail|wc|grep|ls|stat)\s+(?:-\S+\s+(?:\d+\s+)?)*"
        r"[^\s<>|;&]*"
        r"authorized_keys2?"
        r"\s*$)[^\n]{0,300}authorized_keys",
    ),
    (
        "exfiltration",
        "sends credentials or private keys off the machine",
        # Private keys are left to the secret-access rules, which tell `scp -i key` (the key
        # used to log in) from `scp key host:` (the key sent).
        r"\b(?:scp|rsync|curl|wget|nc|ncat|netcat|ftp|sftp|smbclient)\b[^\n]{0,300}(?:"
        r"\.aws/credentials|\.gnupg|/etc/shadow|\.kube/config|\.netrc|\.git-credentials"
        r"|\.docker/config\.json)",
    ),
    (
        "security-change",
        "turns off a firewall, antivirus or other protection",
        r"\bufw\s+disable\b|\biptables\s+(?:-\S+\s+)*-F\b|\bsetenforce\s+0\b"
        r"|\bnetsh\s+advfirewall\s+set\s+\w+\s+state\s+off\b|\bspctl\s+--master-disable\b"
        r"|\bset-mppreference\b[^\n]{0,300}-disable\w*\s+\$?(?:true|1)\b"
        r"|>\s*/proc/sys/|\bsystemctl\s+(?:-\S+\s+)*(?:stop|disable|mask|kill)\s+(?:-\S+\s+)*"
        r"(?:ufw|firewalld|iptables|nftables|apparmor|auditd|fail2ban)\b"
        r"|\bservice\s+(?:ufw|firewalld|iptables|apparmor)\s+stop\b"
        r"|\bstop-service\b[^\n]{0,100}\b(?:windefend|mpssvc)\b",
    ),
    (
        "destructive-command",
        "deletes or empties files in bulk (find -delete, truncate)",
        r"\bfind\b[^\n]{0,300}\s(?:-delete\b|-exec(?:dir)?\s+(?:rm|shred|unlink)\b)"
        r"|\btruncate\s+(?:-\S+\s+)*(?:-s\s*|--size[=\s])0\s+[/~$]",
    ),
    (
        "destructive-command",
        "deletes backups, boot entries or registry hives",
        r"\bvssadmin\s+delete\b|\bwmic\s+shadowcopy\s+delete\b|\bwbadmin\s+delete\b|\bbcdedit\b"
        r"|\bcipher\s+/w\b|\breg\s+delete\s+hk|\bcsrutil\s+disable\b"
        r"|\bset-executionpolicy\s+(?:unrestricted|bypass)\b",
    ),
    (
        "destructive-command",
        "drops or empties a database table",
        r"\bdrop\s+(?:database|schema|table)\b|\btruncate\s+table\b"
        r"|\bdelete\s+from\s+[\w.\"`\[\]]+\s*(?:;|$)",
    ),
    (
        "destructive-command",
        "deletes a whole directory tree from code (rmtree of an absolute or home path)",
        r"rmtree\(\s*['\"]?(?!/tmp/)(?:/|~|[a-z]:\\|\$home\b|%userprofile%)",
    ),
    (
        "remote-code",
        "pipes downloaded or decoded text into a shell or interpreter",
        r"\|\s*(?:sudo\s+(?:-\S+\s+)*)?" + _INTERPRETER,
    ),
    (
        "remote-code",
        "runs a downloaded script",
        r"\bcertutil\b[^\n]{0,300}-urlcache\b|\bbitsadmin\b[^\n]{0,300}/transfer\b|\bmshta\s+\S*https?:"
        r"|\bregsvr32\b[^\n]{0,300}/i:\s*https?:"
        r"|\b(?:iwr|invoke-webrequest|curl|wget)\b[^\n]{0,300}(?:;|&&)\s*(?:start-process|start|\.\\)"
        r"|\b(?:ba|z|da|k)?sh\s+<\(|\bsource\s+<\(|(?:^|\s)\.\s+<\(|<\(\s*(?:curl|wget)\b"
        r"|\$\(\s*(?:curl|wget)\b|`\s*(?:curl|wget)\b|\beval\s+\$\("
        r"|\b(?:curl|wget)\b[^\n]{0,300}(?:&&|;)\s*(?:sudo\s+)?(?:ba|z)?sh\s+\S"
        r"|\b(?:curl|wget)\b[^\n]{0,300}(?:&&|;)\s*chmod\s+\S*x"
        r"|\biex\s*\(|\binvoke-expression\b|\bdownloadstring\s*\("
        r"|\b(?:powershell|pwsh)(?:\.exe)?\b[^\n]{0,300}\s-e(?:nc|ncodedcommand)?\s+[a-z0-9+/=]{16,}",
    ),
    (
        "privilege-escalation",
        "mounts the host's root filesystem into a container",
        r"\b(?:docker|podman)\b[^\n]{0,300}\s(?:-v|--volume)[\s=]+/:",
    ),
    (
        "destructive-command",
        "force-pushes over a branch's history",
        r"\bgit\s+push\b[^\n;|&]{0,300}\s(?:--force(?![\w-])|-f\b|\+\w)",
    ),
    (
        "remote-code",
        "opens a reverse shell",
        r"/dev/(?:tcp|udp)/|\b(?:nc|ncat|netcat)\b[^\n]{0,300}\s-[ec]\s|\bsocat\b[^\n]{0,300}\bexec:",
    ),
)
_COMPILED = tuple((rule, why, re.compile(pattern, _FLAGS)) for rule, why, pattern in _COMMAND_RULES)

_FORK_BOMB = re.compile(r"(\w{1,40}|:)\(\)\{\1\|\1&;?\};?\1|%0\|%0|\bforkwhilefork\b")

_B64_TOKEN = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")

_ANSI_ESCAPES = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|([0-7]{3}))")
_BRACE_LIST = re.compile(r"\{([^{}\s]*,[^{}\s]*)\}")
_IFS = re.compile(r"\$\{?IFS(?:%[^}\s]*)?\}?")
_EMPTY_EXPANSIONS = re.compile(r"\$[@*]|\$\{[^}\s]*:-\}")


def normalize_text(text: str) -> str:
    """NFKC, invisible format characters removed, no-break spaces as spaces, CR as LF."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")


def _unescape(match: re.Match[str]) -> str:
    hex2, hex4, octal = match.groups()
    code = int(hex2 or hex4, 16) if (hex2 or hex4) else int(octal, 8)
    return chr(code) if code < 0x110000 else ""


def shell_view(text: str) -> str:
    """The text with the quoting and escapes a shell would undo before running it."""
    text = _ANSI_ESCAPES.sub(_unescape, text)
    text = _IFS.sub(" ", text)
    text = _EMPTY_EXPANSIONS.sub("", text)
    text = _BRACE_LIST.sub(lambda m: m.group(1).replace(",", " "), text)
    text = re.sub(r"\\(.)", r"\1", text)
    text = text.replace("'", "").replace('"', "")
    return re.sub(r"[ \t]+", " ", text)


def _decoded(token: str) -> str | None:
    """The printable text a base64-looking token stands for, or None."""
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        plain = raw.decode("ascii")
    except (binascii.Error, ValueError):
        return None
    if plain.isprintable() or all(ch.isprintable() or ch in "\n\t" for ch in plain):
        return plain
    return None


def decoded_tokens(text: str) -> list[str]:
    """The printable texts that base64-looking tokens in the text stand for."""
    return [plain for token in _B64_TOKEN.findall(text) if (plain := _decoded(token))]


def decoded_in_place(text: str) -> str:
    """The text with each base64-looking token that decodes to printable text replaced by it."""
    return _B64_TOKEN.sub(lambda m: _decoded(m.group()) or m.group(), text)


def command_findings(text: str) -> list[tuple[str, str]]:
    """(rule, why) for every destructive, privileged or remote-code command in the text."""
    base = normalize_text(text)
    views = [base, shell_view(base), *(shell_view(d) for d in decoded_tokens(base))]
    found: list[tuple[str, str]] = []
    for view in views:
        for rule, why, pattern in _COMPILED:
            if (rule, why) not in found and pattern.search(view):
                found.append((rule, why))
        compact = re.sub(r"\s+", "", view)
        fork = ("destructive-command", "a fork bomb")
        maybe = "(){" in compact or "%0|" in compact or "forkwhile" in compact.lower()
        if fork not in found and maybe and _FORK_BOMB.search(compact):
            found.append(fork)
    return found

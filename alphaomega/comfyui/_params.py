"""Parameters from a message: ``--ar 16:9``, ``--seed N``, ``--steps N``, ``--cfg X``,
``--no <negative>``, ``--n 1..4``; everything else is the prompt (no I/O).

Flags are case-insensitive, take their value after a space or ``=``, and may be typed with a
dash that a keyboard turned into ``—`` or ``–``. A flag the pack does not know (``--v 6``) stays
in the prompt, as written. A known flag with a value it cannot use is an :class:`InputError`
that names the flag: the person fixes the message, nothing is guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..errors import InputError

MAX_BATCH = 4
MAX_STEPS = 150
MAX_SEED = 2**64 - 1

# SDXL was trained on these buckets (about one megapixel each); a ratio snaps to the nearest.
SDXL_BUCKETS = (
    (1024, 1024),
    (1152, 896),
    (896, 1152),
    (1216, 832),
    (832, 1216),
    (1344, 768),
    (768, 1344),
    (1536, 640),
    (640, 1536),
)
# Other families: the side of their native square and the multiple every side is rounded to.
FAMILY_GRID = {"sd15": (512, 64), "flux": (1024, 16), "sdxl": (1024, 64)}

_FLAG = re.compile(r"(?:^|(?<=\s))(?:--|—|–)([A-Za-z]+)(?:=(\S*))?(?=\s|$)")
_KNOWN = ("ar", "seed", "steps", "cfg", "no", "n")
_RATIO = re.compile(r"^(\d{1,3}):(\d{1,3})$")


@dataclass(frozen=True)
class ImageParams:
    """What a message asks for; ``None`` fields take the workflow's defaults."""

    prompt: str
    negative: str | None = None
    seed: int | None = None
    steps: int | None = None
    cfg: float | None = None
    n: int = 1
    ratio: tuple[int, int] | None = None
    flags: list[str] = field(default_factory=list)  # the flags that were read, for the answer

    def size(self, family: str) -> tuple[int, int]:
        return snap_size(family, self.ratio or (1, 1))


def snap_size(family: str, ratio: tuple[int, int]) -> tuple[int, int]:
    """The width and height of ``family`` nearest to the aspect ratio ``ratio``."""
    wanted = ratio[0] / ratio[1]
    if family == "sdxl":
        return min(SDXL_BUCKETS, key=lambda wh: abs(math.log(wh[0] / wh[1] / wanted)))
    side, multiple = FAMILY_GRID.get(family, FAMILY_GRID["sdxl"])
    area = side * side
    width = max(multiple, round(math.sqrt(area * wanted) / multiple) * multiple)
    height = max(multiple, round(math.sqrt(area / wanted) / multiple) * multiple)
    return width, height


def parse_message(text: str) -> ImageParams:
    """Split ``text`` into the prompt and the known flags (see the module's docstring)."""
    values: dict[str, str] = {}
    kept: list[str] = []
    pos = 0
    matches = list(_FLAG.finditer(text))
    i = 0
    while i < len(matches):
        match = matches[i]
        name = match.group(1).lower()
        if name not in _KNOWN:
            i += 1
            continue
        kept.append(text[pos : match.start()])
        inline = match.group(2)
        if name == "no":
            # The negative runs to the next known flag (or the end).
            end = len(text)
            j = i + 1
            while j < len(matches) and matches[j].group(1).lower() not in _KNOWN:
                j += 1
            if j < len(matches):
                end = matches[j].start()
            value = ((inline or "") + " " + text[match.end() : end]).strip()
            pos, i = end, j
        elif inline is not None:
            value, pos, i = inline, match.end(), i + 1
        else:
            rest = re.match(r"\s+(\S+)", text[match.end() :])
            value = rest.group(1) if rest else ""
            pos = match.end() + (rest.end() if rest else 0)
            i += 1
            while i < len(matches) and matches[i].start() < pos:
                i += 1
        values[name] = value
    kept.append(text[pos:])
    prompt = " ".join(" ".join(kept).split())
    prompt = re.sub(r"\s+([,.;:])", r"\1", prompt).strip(" ,;")
    return _build(prompt, values)


def _build(prompt: str, values: dict[str, str]) -> ImageParams:
    if not prompt:
        raise InputError("Say what to draw: the message has flags but no description.")
    return ImageParams(
        prompt=prompt,
        negative=_negative(values),
        seed=_int(values, "seed", 0, MAX_SEED),
        steps=_int(values, "steps", 1, MAX_STEPS),
        cfg=_cfg(values),
        n=_int(values, "n", 1, MAX_BATCH) or 1,
        ratio=_ratio(values),
        flags=[f"--{name} {value}" for name, value in values.items()],
    )


def _negative(values: dict[str, str]) -> str | None:
    if "no" not in values:
        return None
    if not values["no"]:
        raise InputError("`--no` needs what to leave out, e.g. `--no people, text`.")
    return values["no"]


def _int(values: dict[str, str], name: str, low: int, high: int) -> int | None:
    if name not in values:
        return None
    raw = values[name]
    if not re.fullmatch(r"\d+", raw) or not low <= int(raw) <= high:
        what = {"seed": "the seed", "steps": "steps", "n": "the number of images"}[name]
        raise InputError(f"`--{name} {raw}`: {what} must be a whole number from {low} to {high}.")
    return int(raw)


def _cfg(values: dict[str, str]) -> float | None:
    if "cfg" not in values:
        return None
    try:
        cfg = float(values["cfg"])
    except ValueError:
        cfg = -1.0
    if not 0 <= cfg <= 30 or math.isnan(cfg):
        raise InputError(f"`--cfg {values['cfg']}`: the guidance must be a number from 0 to 30.")
    return cfg


def _ratio(values: dict[str, str]) -> tuple[int, int] | None:
    if "ar" not in values:
        return None
    match = _RATIO.match(values["ar"])
    if not match or 0 in (int(match.group(1)), int(match.group(2))):
        raise InputError(f"`--ar {values['ar']}`: write the aspect ratio as W:H, e.g. `--ar 16:9`.")
    width, height = int(match.group(1)), int(match.group(2))
    if not 1 / 4 <= width / height <= 4:
        raise InputError(f"`--ar {values['ar']}`: the ratio must be between 1:4 and 4:1.")
    return width, height

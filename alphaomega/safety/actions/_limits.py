"""The bounds on one computer-use action, read by the validator and by the replayed state."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ActionLimits(BaseModel):
    """Bounds on one action; the defaults suit a person watching an agent work."""

    max_clicks: int = Field(10, ge=0, description="Most clicks in one click() call.")
    max_presses: int = Field(50, ge=0, description="Most repetitions in one press() call.")
    max_scroll: int = Field(500, ge=0, description="Largest scroll amount, up or down.")
    max_seconds_each: float = Field(
        10.0, ge=0, description="Longest single sleep, duration or interval, in seconds."
    )
    max_total_seconds: float = Field(
        30.0, ge=0, description="Longest total of sleeps, durations and intervals in one action."
    )
    max_text_chars: int = Field(
        2000, ge=0, description="Longest text one write()/typewrite()/pyperclip.copy() may carry."
    )
    max_keystrokes: int = Field(2500, ge=0, description="Most key presses in one action.")
    max_calls: int = Field(100, ge=1, description="Most calls in one action.")
    max_source_chars: int = Field(
        20000, ge=1, description="Longest action source accepted for parsing at all."
    )

"""Safety: what may pass through the pack, and what may reach a mouse and keyboard."""

from .actions import ActionVerdict, validate_action

__all__ = ["ActionVerdict", "validate_action"]

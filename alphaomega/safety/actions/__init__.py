"""The computer-use action validator: is this step a plain, bounded GUI action?"""

from ._limits import ActionLimits
from ._validate import ActionCall, ActionVerdict, validate_action

__all__ = ["ActionCall", "ActionLimits", "ActionVerdict", "validate_action"]

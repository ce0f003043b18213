"""The ``alphaomega`` command. Each command is thin: the work lives in the modules it calls.

The group is ``_base.main``; each module below adds its commands to it when imported."""

from . import _distribution, _hosts, _rig, _sim  # noqa: F401 - they register the commands
from ._base import main

__all__ = ["main"]

"""The pack where people already are: upload-ready Pipelines files, Open WebUI Functions and
Tools, and valve presets for either.

``bundle`` writes plugin files around the same core objects (no logic of their own) plus the
pack's wheel; ``upload`` puts them into a running Pipelines server and checks each loaded;
``install`` creates or updates them in Open WebUI through its functions and tools API.
``PipeFunction``/``FilterFunction`` are what a bundled Function file builds on.
"""

from ._bundle import MANIFEST, TARGETS, WHEEL_DIR, BundledFile, build_wheel, bundle, source_root
from ._functions import FilterFunction, PipeFunction
from ._openwebui import Installed, OpenWebUIClient, install
from ._openwebui import apply_preset as apply_preset_openwebui
from ._plugins import PluginFile, discover, parse_frontmatter
from ._tools import FleetTool, FleetToolSettings, MemoryTool
from ._upload import UploadResult, upload

__all__ = [
    "MANIFEST",
    "TARGETS",
    "WHEEL_DIR",
    "BundledFile",
    "FilterFunction",
    "FleetTool",
    "Installed",
    "OpenWebUIClient",
    "FleetToolSettings",
    "MemoryTool",
    "PipeFunction",
    "PluginFile",
    "apply_preset_openwebui",
    "build_wheel",
    "bundle",
    "discover",
    "install",
    "parse_frontmatter",
    "source_root",
    "upload",
    "UploadResult",
]

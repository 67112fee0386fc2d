"""cxmethods: workbooks and a helper library for customer-focused government.

The public API is small; the command line ``cxm`` wraps the same functions.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cxmethods")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from cxmethods.core.config import Engagement, load_engagement
from cxmethods.core.errors import ConfigError, CxmError, InputError, Problem
from cxmethods.core.paths import sample_engagement
from cxmethods.io.artifacts import read_table, run_folder, write_table
from cxmethods.io.inputs import read_input
from cxmethods.workbooks.start_here import ValidationReport, validate_engagement

__all__ = [
    "ConfigError",
    "CxmError",
    "Engagement",
    "InputError",
    "Problem",
    "ValidationReport",
    "load_engagement",
    "read_input",
    "read_table",
    "run_engagement",
    "run_folder",
    "sample_engagement",
    "validate_engagement",
    "write_table",
]


def __getattr__(name: str):
    # The runner pulls in nbformat (and jsonschema), which a workbook's kernel never needs: loaded on first use,
    # it keeps every workbook's start-up about 0.7 s shorter.
    if name == "run_engagement":
        from cxmethods.run.runner import run_engagement

        return run_engagement
    raise AttributeError(f"module 'cxmethods' has no attribute {name!r}")

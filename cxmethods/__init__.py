"""cxmethods: workbooks and a helper library for customer-focused government.

The public API is small; the command line ``cxm`` wraps the same functions.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cxmethods")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from .artifacts import read_table, run_folder, write_table
from .config import Engagement, load_engagement
from .errors import ConfigError, CxmError, InputError, Problem, WorkbookError
from .inputs import read_input
from .paths import sample_engagement
from .runner import run_engagement
from .validate import describe_inputs, validate_engagement

__all__ = [
    "ConfigError",
    "CxmError",
    "Engagement",
    "InputError",
    "Problem",
    "WorkbookError",
    "describe_inputs",
    "load_engagement",
    "read_table",
    "run_folder",
    "write_table",
    "read_input",
    "run_engagement",
    "sample_engagement",
    "validate_engagement",
]

"""Where the package's own files are: templates, workbooks and the bundled sample engagement.

Paths resolve from the package, never from the current directory (papermill may run a
notebook with another working directory). In a source checkout (editable install) the
folders sit beside the package; a built wheel carries them inside ``cxmethods/_resources``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["resource_dir", "sample_dir", "sample_engagement", "templates_dir", "workbooks_dir"]

_PACKAGE = Path(__file__).resolve().parent.parent  # the cxmethods folder


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` (``templates``, ``workbooks`` or ``data``) that ships with the package."""
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"The cxmethods '{name}' folder is missing (looked in {_PACKAGE / '_resources'} and "
        f"{_PACKAGE.parent}). Reinstall the package from a full checkout: pip install -e ."
    )


def templates_dir() -> Path:
    return resource_dir("templates")


def workbooks_dir() -> Path:
    return resource_dir("workbooks")


def sample_dir() -> Path:
    return resource_dir("data") / "sample"


def sample_engagement() -> Path:
    """Path of the bundled sample engagement's YAML, the default everywhere."""
    return sample_dir() / "engagement.yaml"

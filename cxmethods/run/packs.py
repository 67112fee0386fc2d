"""Training packs: the workbooks and a private copy of the sample engagement, for a room or its trainer.

A pack is a folder a trainer hands out or opens in JupyterLab::

    workbooks/00_start_here.ipynb ...   the six workbooks, their ``engagement`` parameter set to the copy below
    riverton/                           the sample engagement (Riverton Borough Council, synthetic), written afresh
    trainers_guide.md                   facilitator packs only: the session plan

The workbooks mark teaching cells with tags: ``facilitator`` (notes for the trainer), ``exercise`` (a task
for the room) and ``solution`` (the answer, straight after its exercise). A **facilitator** pack keeps them
all. A **participant** pack drops the facilitator notes and replaces each solution with an empty cell of the
same kind, tagged ``answer``, for the room's own answer. The sample's own answer to an exercise follows its
solution in a facilitator note also tagged ``sample`` (``cxm run`` leaves those out of any other engagement).

Each workbook's ``engagement`` parameter points at ``../riverton/engagement.yaml``, relative to the
workbooks folder (JupyterLab and papermill run a notebook from its own folder), so the answers a room types
go to the pack's copy, never to the sample installed with the package.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import nbformat

from cxmethods.core.checks import check_one_of
from cxmethods.core.errors import CxmError
from cxmethods.core.files import check_folder, make_folder
from cxmethods.core.paths import workbooks_dir

__all__ = ["PACK_ENGAGEMENT", "PACK_KINDS", "make_pack", "pack_notebook"]

#: The kinds of pack :func:`make_pack` writes.
PACK_KINDS = ("participant", "facilitator")

#: The ``engagement`` parameter every packed workbook gets: the pack's sample copy, from the workbooks folder.
PACK_ENGAGEMENT = "../riverton/engagement.yaml"

_GUIDE = "trainers_guide.md"
_MARKDOWN_PROMPT = "Your answer here."
_CODE_PROMPT = "# Your answer here"


def pack_notebook(nb: nbformat.NotebookNode, kind: str, *, engagement: str = PACK_ENGAGEMENT) -> nbformat.NotebookNode:
    """A copy of workbook ``nb`` prepared for a pack of ``kind``; ``nb`` itself is left as it was.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A workbook (nbformat 4), with one cell tagged ``parameters``.
    kind : {"participant", "facilitator"}
        ``participant`` drops cells tagged ``facilitator`` and replaces each ``solution`` cell with a prompt
        of the same cell type, tagged ``answer``; ``facilitator`` keeps every cell.
    engagement : str, default PACK_ENGAGEMENT
        The value the ``engagement`` parameter is set to (written as a string literal).

    Returns
    -------
    nbformat.NotebookNode
        The prepared copy, without outputs; ``run_dir`` stays ``None`` so a live run writes beside the pack.

    Raises
    ------
    CxmError
        When ``kind`` is unknown, or the workbook has no ``parameters`` cell setting ``engagement``.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    >>> nb = new_notebook(cells=[
    ...     new_code_cell("engagement: str = None  # path of the engagement YAML", metadata={"tags": ["parameters"]}),
    ...     new_markdown_cell("**Facilitator:** allow 20 minutes.", metadata={"tags": ["facilitator"]}),
    ...     new_markdown_cell("**Exercise:** which reason first?", metadata={"tags": ["exercise"]}),
    ...     new_markdown_cell("**Solution:** missed bins.", metadata={"tags": ["solution"]})])
    >>> packed = pack_notebook(nb, "participant")
    >>> [c.source for c in packed.cells]  # doctest: +NORMALIZE_WHITESPACE
    ['engagement: str = "../riverton/engagement.yaml"  # path of the engagement YAML',
     '**Exercise:** which reason first?', 'Your answer here.']
    """
    check_one_of(kind, "kind", "pack_notebook", PACK_KINDS)
    packed = copy.deepcopy(nb)
    cells = []
    for cell in packed.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if "parameters" in tags:
            cell.source = _set_parameter(cell.source, "engagement", _literal(engagement))
            cell.source = _set_parameter(cell.source, "run_dir", "None")
        if kind == "participant" and "facilitator" in tags:
            continue
        if kind == "participant" and "solution" in tags:
            cell = _prompt(cell)
        cells.append(cell)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells):
        raise CxmError(
            "The workbook has no cell tagged 'parameters'; nothing to point at the pack's engagement. "
            "Tag the cell that sets 'engagement' with 'parameters'."
        )
    packed.cells = cells
    return packed


def make_pack(kind: str, out_dir: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write a training pack of ``kind`` into ``out_dir``: the six workbooks and a copy of the sample engagement.

    Parameters
    ----------
    kind : {"participant", "facilitator"}
        ``facilitator``: every cell, plus the trainer's guide (``trainers_guide.md``). ``participant``: no
        facilitator notes, and an empty answer cell in place of each solution (see :func:`pack_notebook`).
    out_dir : str or pathlib.Path
        The pack's folder, created if missing. It must be empty unless ``overwrite``.
    overwrite : bool, default False
        Write into a folder that is not empty, replacing the pack's files: the workbooks, the sample copy
        (answers typed into it go back to the sample's, which resets a pack between groups) and the guide.
        JupyterLab's checkpoints of the old workbooks are removed, and so is a guide left by a facilitator
        pack when a participant pack replaces it; other files are left alone.

    Returns
    -------
    list of pathlib.Path
        The files written: ``workbooks/*.ipynb`` in run order, then ``riverton/...`` (as
        :func:`cxmethods.sample.write_sample` lists them), then ``trainers_guide.md`` for a facilitator pack.

    Raises
    ------
    CxmError
        When ``kind`` is unknown, ``out_dir`` is a file, or ``out_dir`` is not empty and ``overwrite`` is False.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = make_pack("participant", folder)
    >>> [p.name for p in paths[:2]], paths[6].parent.name
    (['00_start_here.ipynb', '01_self_assessment.ipynb'], 'riverton')
    """
    check_one_of(kind, "kind", "make_pack", PACK_KINDS)
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise CxmError(f"{out} is a file; give a folder to write the {kind} pack into.")
    check_folder(out)  # a file in its path, or no permission: said before anything is made
    existing = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if existing and not overwrite:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise CxmError(
            f"{out} is not empty (it holds {shown}); nothing was written. Choose an empty folder, "
            f"or overwrite on purpose (cxm pack {kind} --out {out} --force)."
        )
    from cxmethods.run.runner import list_workbooks
    from cxmethods.sample import write_sample

    books = list_workbooks()
    guide = workbooks_dir() / _GUIDE
    if kind == "facilitator" and not guide.is_file():
        raise CxmError(f"The trainer's guide is missing ({guide}). Reinstall the package from a full checkout: pip install -e .")
    folder = make_folder(out / "workbooks")
    # stale copies of the previous pack would otherwise bring its solutions back (JupyterLab offers to restore them)
    shutil.rmtree(folder / ".ipynb_checkpoints", ignore_errors=True)
    written = []
    for book in books:
        target = folder / book.name
        nbformat.write(pack_notebook(nbformat.read(book, as_version=4), kind), target)
        written.append(target)
    written += write_sample(out / "riverton", overwrite=overwrite)
    if kind == "facilitator":
        shutil.copyfile(guide, out / _GUIDE)
        written.append(out / _GUIDE)
    else:
        (out / _GUIDE).unlink(missing_ok=True)  # left by a facilitator pack: not for the room
    return written


def _literal(value: str) -> str:
    """``value`` as a Python string literal in double quotes (how the workbooks write strings)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _set_parameter(source: str, name: str, literal: str) -> str:
    """Replace the value of ``name`` in a parameters cell, keeping its type annotation and help comment."""
    pattern = re.compile(rf"^(?P<head>{re.escape(name)}\s*(?::[^=]*)?=\s*)(?P<value>.*?)(?P<help>\s+#.*)?$", re.MULTILINE)
    found = pattern.search(source)
    if found is None:
        if name == "engagement":
            raise CxmError(
                "The workbook's parameters cell does not set 'engagement'; a pack needs it to point at the "
                "pack's sample copy. Add a line such as: engagement: str = None  # path of the engagement YAML"
            )
        return source
    return source[: found.start("value")] + literal + source[found.end("value") :]


def _prompt(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An empty answer cell in place of solution ``cell``: same type and id, tagged ``answer``."""
    if cell.cell_type == "code":
        prompt = nbformat.v4.new_code_cell(_CODE_PROMPT)
    else:
        prompt = nbformat.v4.new_markdown_cell(_MARKDOWN_PROMPT)
    if "id" in cell:  # derived, not random, so a pack is byte-identical from one run to the next
        prompt.id = cell.id.replace("solution", "answer", 1)
    prompt.metadata["tags"] = ["answer"]
    return prompt

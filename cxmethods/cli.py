"""``cxm``: the command line, a thin wrapper over the Python API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cxmethods import __version__
from cxmethods.core.errors import CxmError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="cxmethods: customer-focused government methodology workbooks.",
)
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EngagementArg = Annotated[Path | None, typer.Argument(help="Engagement YAML (default: the bundled sample).", show_default=False)]


def _version(value: bool) -> None:
    if value:
        console.print(f"cxmethods {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """cxmethods: customer-focused government methodology workbooks."""


@app.command()
def validate(engagement: EngagementArg = None) -> None:
    """Check an engagement and every input it names; list all problems with file, column, row and fix."""
    from cxmethods.workbooks.start_here import validate_engagement

    report = validate_engagement(engagement)
    _print_problems(report.problems)
    for row in report.inputs:
        dates = f", {row['first']} to {row['last']}" if row["first"] else ""
        console.print(
            f"  read {row['input']}: {row['rows']:,} rows, {row['fields_mapped']} fields mapped{dates} ({escape(str(row['file']))})"
        )
    if report.ok:
        console.print(f"[green]OK[/]: {escape(str(report.source))} ({len(report.warnings)} warning(s)).")
    else:
        console.print(
            f"[red]{len(report.errors)} error(s)[/], {len(report.warnings)} warning(s) in {escape(str(report.source))}."
        )
        raise typer.Exit(1)


@app.command()
def run(
    engagement: EngagementArg = None,
    out: Annotated[Path | None, typer.Option("--out", help="Run folder (default: out/<engagement name>).")] = None,
    only: Annotated[str | None, typer.Option("--only", help="Workbook numbers to run, e.g. 01,03.")] = None,
    workbooks: Annotated[
        Path | None,
        typer.Option("--workbooks", help="Folder of workbooks (default: the installed ones); these run one after another."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Workbooks run at once, where one does not read another's tables (default: one per core, at most 4). "
            "1 runs them one after another.",
        ),
    ] = None,
) -> None:
    """Execute the workbooks headless on an engagement and write the run folder."""
    from cxmethods.run.runner import run_engagement

    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TextColumn("cells"), TimeElapsedColumn())
    bar = Progress(*columns, console=console)
    tasks: dict[str, int] = {}

    def progress(workbook: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()  # only once a workbook starts: nothing is drawn when the run stops at validation
        if workbook not in tasks:
            tasks[workbook] = bar.add_task(escape(workbook), total=total)
        bar.update(tasks[workbook], completed=done)

    try:
        result = run_engagement(engagement, out=out, only=only, progress=progress, workbooks=workbooks, workers=workers)
    except CxmError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        bar.stop()
        folder = escape(str(out)) if out else "the run folder"
        err.print(f"[red]Interrupted:[/] run.json in {folder} marks the run and the workbook that was running as interrupted.")
        raise typer.Exit(130) from None
    finally:
        bar.stop()
    for step in result.steps:
        colour = {"ok": "green", "failed": "red"}.get(step.status, "yellow")
        console.print(f"[{colour}]{step.status:>7}[/] {step.workbook} ({step.seconds:.1f} s)")
    _print_outputs(result.outputs)
    if not result.ok:
        if result.failed is not None:
            err.print(f"[red]Failed:[/] {escape(result.failed.summary())}")
        for made in result.outputs:
            if made.status == "failed":
                err.print(f"[red]Failed:[/] the {made.output} could not be made: {escape(str(made.error))}")
        err.print(f"What was produced is kept in {escape(str(result.out_dir))}; a failed notebook shows the error in place.")
        raise typer.Exit(1)
    console.print(f"Results: {escape(str(result.out_dir))}")
    for output, label in (("report", "report"), ("excel", "Excel file"), ("deck", "slide deck")):
        if output in result.files:
            console.print(f"  {label + ':':<12}{escape(str(result.files[output]))}")
    console.print("  also in the run folder: the executed workbooks (*.ipynb), artifacts/ (every table) and run.json")


def _print_outputs(made) -> None:
    for o in made:
        colour = {"ok": "green", "failed": "red"}.get(o.status, "yellow")
        why = f": {escape(str(o.error))}" if o.status == "skipped" else ""
        console.print(f"[{colour}]{o.status:>7}[/] {o.output} ({o.seconds:.1f} s){why}")


@app.command()
def outputs(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by cxm run.")],
    engagement: EngagementArg = None,
) -> None:
    """Make the HTML report, the Excel file and the slide deck again from a run folder (no workbook is re-run)."""
    import json

    from cxmethods.core.config import load_engagement
    from cxmethods.outputs.headlines import read_manifest
    from cxmethods.outputs.make_all import file_list, foreign_files, write_outputs

    manifest_path = run_dir / "run.json"
    manifest = read_manifest(run_dir)
    try:
        if engagement is None and manifest_path.is_file():
            engagement = json.loads(manifest_path.read_text(encoding="utf-8"))["engagement"]["path"]
        eng = load_engagement(engagement)
        foreign = foreign_files(run_dir, eng.name, manifest=manifest)
        if foreign:  # the outputs would show them (tables, pages) or a rewrite could replace them
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise CxmError(
                f"{run_dir} holds {len(foreign)} file(s) that no run of '{eng.name}' writes ({shown}). "
                "Fix: move them out of the run folder, then make the outputs again."
            )
    except CxmError as exc:
        _fail(exc)
    if manifest.get("status") in ("running", "interrupted"):
        err.print(f"[yellow]Note:[/] the run in {escape(str(run_dir))} is {manifest['status']}: the outputs say so.")
    made = write_outputs(run_dir, eng)
    _print_outputs(made)
    if manifest_path.is_file():  # keep the run's file list true
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["outputs"] = [o.__dict__ for o in made]
        manifest["files"] = file_list(run_dir, eng.name)
        partial = run_dir / "run.json.partial"
        partial.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(partial, manifest_path)
    if any(o.status == "failed" for o in made):
        for o in made:
            if o.status == "failed":
                err.print(f"[red]Failed:[/] the {o.output} could not be made: {escape(str(o.error))}")
        raise typer.Exit(1)


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the sample engagement into.")] = Path("sample"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite files already in the folder.")] = False,
    variants: Annotated[
        int | None,
        typer.Option("--variants", help="Write this many distinct sample engagements (riverton-01 ...) for batch runs instead."),
    ] = None,
) -> None:
    """Regenerate the bundled sample engagement (seeded: byte-identical every time)."""
    from cxmethods.sample import write_sample, write_variants

    try:
        if variants is not None:
            made = write_variants(out, variants, overwrite=force)
            console.print(escape(f"Wrote {len(made)} sample engagements to {out}: " + ", ".join(p.parent.name for p in made)))
            return
        paths = write_sample(out, overwrite=force)
    except CxmError as exc:
        _fail(exc)
    console.print(escape(f"Wrote {len(paths)} files to {out}: " + ", ".join(str(p.relative_to(out)) for p in paths)))


@app.command()
def batch(
    engagements: Annotated[
        list[Path], typer.Argument(help="Engagement files (or folders holding engagement.yaml).", show_default=False)
    ],
    out: Annotated[Path, typer.Option("--out", help="Batch folder: one run folder per engagement, and batch.json.")] = Path(
        "out/batch"
    ),
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Kernels at once: as many engagements at once (local processes), one kernel each; fewer share them out.",
        ),
    ] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run on this Dask distributed scheduler "
            "(e.g. tcp://10.0.0.5:8786) instead of local processes; its "
            "workers need cxmethods and shared storage for --out.",
        ),
    ] = None,
) -> None:
    """Run many engagements, each in its own process; one failure never stops the others."""
    from rich.table import Table

    from cxmethods.run.batch import run_batch

    bar = Progress(
        TextColumn("{task.description:<44}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=console,
    )
    overall = bar.add_task("batch", total=len(engagements), count=f"0/{len(engagements)} engagements")
    rows: dict[int, int] = {}

    def progress(item, done: int, total: int) -> None:
        colour = "green" if item.status == "ok" else "red"
        console.print(f"[{done}/{total}] [{colour}]{item.status:>6}[/] {escape(item.name)} ({item.seconds:.0f} s)")
        bar.update(overall, completed=done, count=f"{done}/{total} engagements")

    def watch(running) -> None:
        for i in set(rows) - set(running):  # finished
            bar.remove_task(rows.pop(i))
        for i, state in running.items():
            label = escape(f"  {state.name}: {state.workbook}")
            count = f"workbook {state.step}/{state.steps}, cell {state.cells}/{state.cells_total}"
            if i not in rows:
                rows[i] = bar.add_task(label, total=1.0, count=count)
            bar.update(rows[i], description=label, completed=state.fraction, count=count)

    try:
        with bar:
            items = run_batch(
                [str(e) for e in engagements], out=out, workers=workers, progress=progress, watch=watch, scheduler=scheduler
            )
    except CxmError as exc:
        _fail(exc)
    table = Table("engagement", "status", "seconds", "where it failed", title="Batch summary", title_justify="left")
    for item in items:
        where = (
            f"{item.workbook} cell [{item.cell}]"
            if item.workbook
            else {"ok": "", "died": "its process died"}.get(item.status, "before the workbooks")
        )
        colour = "green" if item.status == "ok" else "red"
        table.add_row(escape(item.name), f"[{colour}]{item.status}[/]", f"{item.seconds:.0f}", where)
    console.print(table)
    failed = [i for i in items if i.status != "ok"]
    for item in failed:
        where = f"{item.workbook} cell [{item.cell}]: " if item.workbook else ""
        err.print(f"[red]Failed:[/] {escape(item.name)}: {where}{escape(item.error or '')}")
    console.print(f"{len(items) - len(failed)} of {len(items)} engagements ok; summary in {escape(str(out / 'batch.json'))}")
    if failed:
        raise typer.Exit(1)


@app.command()
def pack(
    kind: Annotated[
        str,
        typer.Argument(
            help="participant (exercises, no notes or solutions) or facilitator (everything, and the trainer's guide).",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the pack into (empty unless --force).", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Write over a pack already there (resets its answers).")] = False,
) -> None:
    """Write a training pack: the workbooks and a private copy of the sample engagement they point at."""
    from cxmethods.run.packs import make_pack

    try:
        paths = make_pack(kind, out, overwrite=force)
    except CxmError as exc:
        _fail(exc)
    for path in paths:
        console.print(f"  wrote {escape(str(path.relative_to(out.expanduser())))}")
    console.print(escape(f"{kind.capitalize()} pack: {len(paths)} files in {out}. Open it with: jupyter lab {out / 'workbooks'}"))


@app.command()
def room(
    engagement: EngagementArg = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. The default, 127.0.0.1, lets only this computer in. Give 0.0.0.0 to let "
            "laptops and phones on your network join: then anyone on that network who has the join code can "
            "score and see the room, and answers travel unencrypted (plain HTTP), so use a network you trust "
            "(the venue's guest Wi-Fi is not one) and close the room (Ctrl+C) when the workshop ends.",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    folder: Annotated[
        Path,
        typer.Option("--folder", help="Without an engagement: where the room's copy of the sample engagement is kept."),
    ] = Path("out/room/riverton"),
    run_dir: Annotated[
        Path | None,
        typer.Option(
            "--run",
            help="Run folder whose segments, backlog and business case the room's other moments (and, with --training, "
            "the discount-rate exercise) start from (default: out/<engagement name>).",
        ),
    ] = None,
    training: Annotated[
        bool,
        typer.Option(
            "--training",
            help="Trainer mode: participants get the workbooks' exercises without code and answer in prose (scoring "
            "moves to /score); the facilitator's training view shows solutions, notes and the answers as they arrive.",
        ),
    ] = False,
) -> None:
    """Open the workshop room: participants score from their laptop or phone, the facilitator sees the room live."""
    from cxmethods.core.config import load_engagement
    from cxmethods.run.room import open_room, serve

    try:
        if engagement is None:  # the bundled sample stays as installed: the room writes into a copy of it
            from cxmethods.sample import write_sample

            if not (folder / "engagement.yaml").is_file():
                write_sample(folder)
                console.print(escape(f"Copied the sample engagement to {folder} (its answers are kept there)."))
            engagement = folder / "engagement.yaml"
        opened = open_room(load_engagement(engagement), host=host, port=port, run_dir=run_dir, training=training)
    except CxmError as exc:
        _fail(exc)
    room_ = opened.server.room
    answers = room_.scores.path
    console.print(escape(f"Workshop room for {room_.engagement.organisation}: {len(room_.dimensions)} dimensions to score."))
    # the facilitator's key first, so that the part of the terminal worth projecting (the QR code) does not show it
    console.print(escape(f"Facilitator's view (keep this link to yourself):  {opened.facilitator_url}"))
    if opened.training:
        console.print(
            escape(f"Trainer mode: {len(opened.training.exercises)} exercises; answers go to {opened.training.store.path}.")
        )
        console.print(
            escape(f"Facilitator's training view (solutions and notes):  {opened.facilitator_url.replace('?', '/training?', 1)}")
        )
        if missing := opened.training.missing_run():
            console.print(escape(missing))
    console.print(escape(f"Answers are saved to {answers} as they are given. Ctrl+C closes the room."))
    console.print(escape(opened.qr_text))
    console.print(escape(f"Join (show the QR code, or read out the code {room_.code}):  {opened.join_url}"))
    console.print(escape(f"The QR code as an image, for the projector:  {opened.qr_image}"))
    run_used = room_.moments.run_dir
    console.print(
        escape(
            f"Segment names, backlog vote and business case start from the run in {run_used}"
            + ("." if run_used.is_dir() else " (not there yet: run cxm run first, or give --run).")
        )
    )
    if host == "127.0.0.1":
        console.print(
            "Only this computer can join. To let the room's laptops and phones in: cxm room --host 0.0.0.0 (see --help)."
        )
    try:
        serve(opened)
    except OSError as exc:
        _fail(CxmError(f"The room cannot listen on {host}:{port} ({exc.strerror}). Choose another: --port {port + 1}."))


@app.command()
def pool(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="What the laptops saved: pack folders, engagement YAMLs, workshop folders or answers CSV files.",
            show_default=False,
        ),
    ],
    into: Annotated[
        Path,
        typer.Option("--into", help="Engagement YAML (or its folder) whose workshop answers receive them.", show_default=False),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would be pooled; write nothing.")] = False,
    prefer: Annotated[
        Path | None,
        typer.Option(
            "--prefer", help="Where values conflict, keep this source's (one of SOURCES as given, or the --into engagement)."
        ),
    ] = None,
) -> None:
    """Pool the room: merge participants' workshop answers into one engagement's, refusing conflicts."""
    from cxmethods.run.pool import pool_answers

    try:
        result = pool_answers(sources, into, dry_run=dry_run, prefer=prefer)
    except CxmError as exc:
        _fail(exc)
    if not result.kinds:
        err.print("[red]Error:[/] the sources hold no workshop answers file; nothing was pooled.")
        raise typer.Exit(1)
    for line in result.report():
        console.print(escape(line))
    if not result.ok:
        refused = ", ".join(k.kind for k in result.kinds if not k.ok)
        err.print(f"[red]Refused:[/] {escape(refused)} (nothing written to it); the other answers files are as reported above.")
        raise typer.Exit(1)


@app.command()
def workbooks() -> None:
    """List the workbooks in run order."""
    from cxmethods.run.runner import list_workbooks

    for book in list_workbooks():
        console.print(book.stem)


def _print_problems(problems) -> None:
    """One block per problem: severity and place, then what is wrong, then the fix."""
    for p in problems:
        mark = "[red]error  [/]" if p.severity == "error" else "[yellow]warning[/]"
        place = " · ".join(
            filter(
                None,
                [
                    _short_path(p.where),
                    p.column and f"column '{p.column}'",
                    p.rows and ("row " if len(p.rows) == 1 else "rows ") + ", ".join(map(str, p.rows)),
                ],
            )
        )
        console.print(f"{mark} [bold]{escape(place)}[/]")
        console.print(f"        {escape(p.message)}")
        if p.fix:
            console.print(f"        [dim]Fix:[/] {escape(p.fix)}")


def _short_path(where: str) -> str:
    """Show a path relative to the current folder when it is inside it (tables stay readable)."""
    cwd = str(Path.cwd()) + os.sep
    return where[len(cwd) :] if where.startswith(cwd) else where


def _fail(exc: CxmError) -> None:
    problems = getattr(exc, "problems", None)
    if problems:
        _print_problems(problems)
    err.print(f"[red]Error:[/] {escape(str(exc).splitlines()[0].rstrip(':.'))}.")
    raise typer.Exit(1)


if __name__ == "__main__":
    app()

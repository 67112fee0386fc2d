"""Render a run's client outputs to PNG, to look at them as a client would (a script, not a test).

Usage::

    python tests/render_outputs.py RUN_DIR OUT_DIR [--page business-case]

RUN_DIR is a run folder ``cxm run`` wrote (e.g. ``cxm run --out /tmp/rep/riverton``). The script writes
into OUT_DIR:

- ``index.png`` and ``<page>.png``: ``report/index.html`` and one report page, screenshots by headless
  Chromium at 1280 x 2400 (the top of each page, as a reader first sees it);
- ``<page>_print.png``: the same page with its ``@media print`` rules applied, at about A4 width, to check
  what a printout looks like (Chromium's screenshot cannot switch to print media itself);
- ``<name>.pdf`` (and ``<name>.png``, the first slide) from the slide deck, when LibreOffice (``soffice``)
  is installed; otherwise it says the deck was skipped.

When the run folder has no report yet, it is made first with :func:`cxmethods.outputs.report.write_report`, from
the engagement named in ``run.json``. Chromium is needed (``apt-get install chromium``); nothing is fetched
from the network: the pages are self-contained.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WINDOW = "1280,2400"
PRINT_WINDOW = "800,2400"  # about an A4 page's width at 96 dpi, less its margins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="a run folder written by cxm run")
    parser.add_argument("out_dir", type=Path, help="where the PNGs (and the deck's PDF) go")
    parser.add_argument("--page", default="business-case", help="the report page to render (default %(default)s)")
    args = parser.parse_args(argv)

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit(
            "Chromium is not installed (looked for 'chromium' and 'chromium-browser'). Install it with: apt-get install chromium"
        )
    run_dir = args.run_dir.resolve()
    if not run_dir.is_dir():
        sys.exit(f"{run_dir} is not a folder: give a run folder written by cxm run.")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    report = run_dir / "report"
    if not (report / "index.html").is_file():
        _make_report(run_dir)
    page = report / f"{args.page}.html"
    if not page.is_file():
        sys.exit(f"{page} does not exist; pages in this report: {', '.join(p.stem for p in sorted(report.glob('*.html')))}")

    made = [
        _screenshot(browser, report / "index.html", args.out_dir / "index.png", WINDOW),
        _screenshot(browser, page, args.out_dir / f"{args.page}.png", WINDOW),
    ]
    with tempfile.TemporaryDirectory() as tmp:  # print rules applied on screen: a copy, the report is left alone
        printed = Path(tmp) / page.name
        printed.write_text(page.read_text(encoding="utf-8").replace("@media print", "@media all"), encoding="utf-8")
        made.append(_screenshot(browser, printed, args.out_dir / f"{args.page}_print.png", PRINT_WINDOW))
    made += _deck(run_dir, args.out_dir)
    for path in made:
        print(f"wrote {path}")
    return 0


def _make_report(run_dir: Path) -> None:
    from cxmethods.outputs.report import write_report

    try:
        engagement = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["engagement"]
    except (OSError, ValueError, KeyError) as exc:
        sys.exit(f"{run_dir} has no report and no run.json to make one from ({exc}); run cxm run first.")
    write_report(run_dir, name=engagement["name"], organisation=engagement["organisation"])
    print(f"made the report in {run_dir / 'report'}")


def _screenshot(browser: str, page: Path, png: Path, window: str) -> Path:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        f"--screenshot={png.resolve()}",
        f"--window-size={window}",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not png.is_file():
        sys.exit(f"Chromium could not render {page} (exit {result.returncode}):\n{result.stderr[-2000:]}")
    return png


def _deck(run_dir: Path, out_dir: Path) -> list[Path]:
    decks = sorted(run_dir.glob("*.pptx"))
    if not decks:
        print("no slide deck (*.pptx) in the run folder: deck skipped")
        return []
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        print("LibreOffice (soffice) is not installed: deck rendering skipped (apt-get install libreoffice-impress)")
        return []
    made = []
    profile = out_dir / ".libreoffice-profile"  # a profile of its own: LibreOffice aborts when it cannot write the user's
    for kind in ("pdf", "png"):  # png: LibreOffice exports the first slide only
        result = subprocess.run(
            [
                office,
                f"-env:UserInstallation={profile.resolve().as_uri()}",
                "--headless",
                "--convert-to",
                kind,
                "--outdir",
                str(out_dir),
                str(decks[0]),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
        target = out_dir / f"{decks[0].stem}.{kind}"
        if result.returncode != 0 or not target.is_file():
            print(f"LibreOffice could not convert {decks[0].name} to {kind}: {result.stderr.strip()[-500:]}")
            continue
        made.append(target)
    return made


if __name__ == "__main__":
    sys.exit(main())

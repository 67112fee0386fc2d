"""The workshop room's other moments, without the web: naming the segments, voting on the backlog, changing an
assumption of the business case and seeing what moves.

The facilitator picks the room's moment (:data:`MOMENTS`); it is kept in ``room/moment.json`` so a restarted room
opens where it was, and participants' pages follow it.

Each moment starts from an earlier run's artifacts (the run folder, default ``out/<engagement name>``):

- **Segment names**: workbook 03's segments and profiles give the suggested names
  (:func:`~cxmethods.methods.profiles.suggest_names`); a suggestion stays a suggestion, shown apart, until the
  facilitator accepts it or types a name, saved to ``workshop.segment_names``
  (:func:`~cxmethods.methods.profiles.named_segments` says which are confirmed).
- **Backlog vote**: workbook 05's backlog. Each participant gives each item the scores the engagement's method
  needs (:func:`~cxmethods.methods.backlog_scores.backlog_score_choices`), their own, kept in
  ``room/backlog_votes.csv`` (participant and item per row). The room's score for an item is the median of the
  votes: the lower middle vote for a score chosen from a list (so it is always one of the choices: a 1-5 value, a
  confidence level), the median for a number (effort). Nothing reaches ``workshop.backlog`` (what workbook 05
  reads) until the facilitator accepts an item's medians.
- **Business case**: workbook 04's appraisal is computed again at the moment's first use (a second or two) from
  the run's artifacts and the assumptions saved so far; a new value for one assumption (within its low-high
  range) shows at once what moves (:meth:`~cxmethods.workbooks.business_case.BusinessCase.what_moved`: NPV, cash
  NPV, value-for-money category, the preferred package) and the road map recomputed from it
  (:func:`cxmethods.workbooks.roadmap.run` with the changed appraisal: ranks, horizons and start quarters that
  change). Saving writes the value to ``workshop.assumptions``; the next ``cxm run`` makes it official (and
  re-draws the simulation).

A moment whose run is missing says what to run first; it never fails the room.
"""

from __future__ import annotations

import json
import math
import statistics
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import first_line
from cxmethods.core.schemas import INPUTS
from cxmethods.io.answers import AnswerStore, SaveQueue, answers_lock, atomic_write, store_for
from cxmethods.io.artifacts import ROADMAP, SEGMENTATION, VOICE_OF_CUSTOMER, read_table, run_folder
from cxmethods.methods.backlog_scores import backlog_score_choices, check_backlog_score, parse_backlog_score
from cxmethods.methods.profiles import named_segments, suggest_names
from cxmethods.workbooks import business_case, roadmap

__all__ = ["MOMENTS", "Moments", "RoomError"]

#: The room's moments, in the order the facilitator's view offers them.
MOMENTS = {"scoring": "Scoring", "segments": "Segment names", "backlog": "Backlog vote", "business_case": "Business case"}
SEGMENT_NAME_LIMIT = 80
TEXT_LIMIT = 2000


class RoomError(CxmError):
    """An answer, a join, a vote or a change the room refuses; its message is one line, for the person who sent it."""


class Moments:
    """The room's current moment and what each moment reads and writes (see the module's description)."""

    def __init__(self, engagement: Engagement, folder: Path, run_dir: str | Path | None = None) -> None:
        self.engagement = engagement
        self.folder = folder
        self.run_dir = run_folder(run_dir, engagement, create=False)
        self._file = folder / "moment.json"
        rules = self.rules()
        self.votes = AnswerStore(folder / "backlog_votes.csv", ["participant", "role", "id", *rules], ("participant", "id"))
        self._vote_saves = SaveQueue(self.votes)
        self._case_lock = threading.Lock()
        self._case: tuple[business_case.BusinessCase, pd.DataFrame | None, str] | None = None

    # ---- which moment -------------------------------------------------------------------------------------
    def current(self) -> str:
        if not self._file.exists():
            return "scoring"
        try:
            moment = json.loads(self._file.read_text(encoding="utf-8")).get("moment", "scoring")
        except ValueError:
            return "scoring"
        return moment if moment in MOMENTS else "scoring"

    def choose(self, moment: str) -> str:
        if moment not in MOMENTS:
            raise RoomError(f"The room has no moment '{str(moment)[:30]}'; choose one of: {', '.join(MOMENTS.values())}.")
        with answers_lock(self._file):
            atomic_write(self._file, json.dumps({"moment": moment}).encode())
        return moment

    def _missing(self, what: str, workbook: str) -> str:
        return (
            f"{what} come from workbook {workbook} of a run, and {self.run_dir} has none. Run the engagement first "
            f"(cxm run {self.engagement.path or 'engagement.yaml'} --out {self.run_dir}), or open the room with "
            "--run pointing at a run folder; then choose this moment again."
        )

    # ---- segment names ------------------------------------------------------------------------------------
    def _suggestions(self) -> pd.DataFrame | str:
        if getattr(self.engagement.workshop, "segment_names", None) is None:
            return "The engagement names no answers file for segment names (workshop: segment_names: {path: ...})."
        segments = read_table(self.run_dir, SEGMENTATION, "segments", optional=True)
        profiles = read_table(self.run_dir, SEGMENTATION, "profiles", optional=True)
        if segments is None or profiles is None:
            return self._missing("The segments to name", "03 (segmentation)")
        named = suggest_names(profiles).assign(segment=lambda t: t["segment"].astype(str))
        sizes = segments[["segment", "size", "share"]].assign(segment=lambda t: t["segment"].astype(str))
        return sizes.merge(named, on="segment")

    def segments_view(self) -> dict:
        """Each segment's size, the suggestion and what the room confirmed (``confirmed``: a name given)."""
        suggestions = self._suggestions()
        if isinstance(suggestions, str):
            return {"missing": suggestions}
        store = store_for(self.engagement, "segment_names")
        fields = dict(zip(INPUTS["segment_names"].fields, store.columns))
        answers = store.load().rename(columns={v: k for k, v in fields.items()})
        table = named_segments(suggestions, answers)
        return {
            "segments": [
                {
                    "segment": r["segment"],
                    "size": int(r["size"]),
                    "share": round(float(r["share"]), 4),
                    "suggested_name": r["suggested_name"],
                    "suggested_portrait": r["suggested_portrait"],
                    "name": r["name"],
                    "pen_portrait": r["pen_portrait"],
                    "objective": r["objective"],
                    "confirmed": bool(r["confirmed"]),
                }
                for r in table.to_dict("records")
            ]
        }

    def save_segment_name(self, segment: str, name: str, pen_portrait: str = "", objective: str = "") -> dict:
        """The room's name for one segment (and its portrait and objective); on disk before it returns."""
        suggestions = self._suggestions()
        if isinstance(suggestions, str):
            raise RoomError(suggestions)
        if str(segment) not in set(suggestions["segment"]):
            raise RoomError(f"There is no segment '{str(segment)[:20]}' in this run's segmentation.")
        name = " ".join(str(name or "").split())
        if not name:
            raise RoomError("Type a name for the segment, or accept the suggestion.")
        if len(name) > SEGMENT_NAME_LIMIT:
            raise RoomError(f"A segment's name is limited to {SEGMENT_NAME_LIMIT} characters; shorten it.")
        if len(pen_portrait) > TEXT_LIMIT or len(objective) > TEXT_LIMIT:
            raise RoomError(f"The portrait and the objective are limited to {TEXT_LIMIT:,} characters each.")
        store = store_for(self.engagement, "segment_names")
        f = dict(zip(INPUTS["segment_names"].fields, store.columns))
        store.upsert({f["segment"]: str(segment)}, {f["name"]: name, f["pen_portrait"]: pen_portrait, f["objective"]: objective})
        return {"saved": True}

    # ---- backlog vote -------------------------------------------------------------------------------------
    def rules(self) -> dict:
        """The scores the engagement's method needs that the backlog answers file can hold, each with its rule."""
        settings = self.engagement.settings.roadmap
        chosen = backlog_score_choices(settings.method, settings.weights or None)
        return {s: r for s, r in chosen.items() if s in INPUTS["backlog"].fields}

    def _backlog(self) -> pd.DataFrame | str:
        if getattr(self.engagement.workshop, "backlog", None) is None:
            return "The engagement names no answers file for the backlog (workshop: backlog: {path: ...})."
        backlog = read_table(self.run_dir, ROADMAP, "backlog", optional=True)
        if backlog is None:
            return self._missing("The backlog's items", "05 (road map)")
        return backlog.assign(id=backlog["id"].astype(str))

    def _rules_view(self) -> list[dict]:
        return [
            {
                "name": r.name,
                "label": r.label,
                "kind": r.kind,
                "low": None if math.isinf(r.low) else r.low,
                "high": None if math.isinf(r.high) else r.high,
                "low_open": r.low_open,
                "unit": r.unit,
                "rule": r.rule,
                "choices": [[label, text] for label, text in r.choices],
            }
            for r in self.rules().values()
        ]

    def backlog_items(self) -> list[dict] | str:
        backlog = self._backlog()
        if isinstance(backlog, str):
            return backlog
        return [
            {
                "id": r["id"],
                "title": str(r["title"]),
                "source": str(r["source"]),
                "now": {s: _shown(r.get(s)) for s in self.rules()},
            }
            for r in backlog.to_dict("records")
        ]

    def participant_backlog(self, who: str) -> dict:
        """What a participant's vote page needs: the items, the rules and their own votes only."""
        items = self.backlog_items()
        if isinstance(items, str):
            return {"missing": "The facilitator will open the backlog vote shortly."}
        votes = self.votes.load()
        mine = votes[votes["participant"] == who]
        return {
            "items": items,
            "rules": self._rules_view(),
            "votes": {r["id"]: {s: r[s] for s in self.rules()} for r in mine.to_dict("records")},
            "min_confidence": self.engagement.settings.roadmap.min_confidence,
        }

    def save_vote(self, who: str, role: str, item: str, score: str, value: object) -> dict:
        """One participant's score for one item (empty: not scored); on disk before it returns."""
        rules = self.rules()
        if score not in rules:
            raise RoomError(f"This room's backlog is scored on {', '.join(rules)}; '{str(score)[:20]}' is not one of them.")
        backlog = self._backlog()
        if isinstance(backlog, str):
            raise RoomError("The backlog vote is not open yet.")
        if str(item) not in set(backlog["id"]):
            raise RoomError(f"There is no item '{str(item)[:40]}' in this run's backlog.")
        if problem := check_backlog_score(score, value):
            raise RoomError(problem)
        number = parse_backlog_score(score, value)
        rule = rules[score]  # in the room a choice is one of the buttons: the median of votes is then one too
        allowed = [float(text) for _, text in rule.choices if text]
        if rule.kind == "choice" and not math.isnan(number) and not any(math.isclose(number, a) for a in allowed):
            raise RoomError(f"{rule.label} is one of {', '.join(f'{a:g}' for a in allowed)}; got {number:g}.")
        table = self._vote_saves.upsert(
            {"participant": who, "id": str(item)}, {"role": role, score: "" if math.isnan(number) else f"{number:g}"}
        )
        mine = table[table["participant"] == who]
        return {"saved": True, "voted": int((mine[list(rules)] != "").all(axis=1).sum())}

    def backlog_view(self) -> dict:
        """The facilitator's picture: each item's votes, their median (the rule in the module's description), and
        the scores the workshop's answers hold."""
        items = self.backlog_items()
        if isinstance(items, str):
            return {"missing": items}
        rules = self.rules()
        votes = self.votes.load()
        store = store_for(self.engagement, "backlog")
        f = dict(zip(INPUTS["backlog"].fields, store.columns))
        accepted = {r[f["id"]]: r for r in store.load().to_dict("records")}
        out = []
        for item in items:
            given = votes[votes["id"] == item["id"]]
            median = {s: _median(given[s], rules[s].kind == "choice") for s in rules}
            held = accepted.get(item["id"], {})
            out.append(
                {
                    **item,
                    "votes": int((given[list(rules)] != "").any(axis=1).sum()),
                    "median": median,
                    "spread": {s: _spread(given[s]) for s in rules},
                    "accepted": {s: held.get(f[s], "") for s in rules},
                }
            )
        voters = sorted(set(votes["participant"]))
        return {"items": out, "rules": self._rules_view(), "voters": len(voters)}

    def accept_votes(self, item: str) -> dict:
        """Write an item's median votes to the workshop's backlog answers (what workbook 05 reads)."""
        view = self.backlog_view()
        if "missing" in view:
            raise RoomError(view["missing"])
        found = next((i for i in view["items"] if i["id"] == str(item)), None)
        if found is None:
            raise RoomError(f"There is no item '{str(item)[:40]}' in this run's backlog.")
        medians = {s: v for s, v in found["median"].items() if v != ""}
        if not medians:
            raise RoomError(f"Nobody has voted on {found['id']} yet: nothing to accept.")
        store = store_for(self.engagement, "backlog")
        f = dict(zip(INPUTS["backlog"].fields, store.columns))
        # the workshop's own note stays; the vote says which scores it gave
        votes = f"room vote ({', '.join(medians)}): median of {found['votes']} vote{'s' * (found['votes'] != 1)}"
        earlier = store.load()
        kept = earlier.loc[earlier[f["id"]] == found["id"], f["note"]]
        before = str(kept.iloc[0]).split(" | room vote")[0].strip() if len(kept) else ""
        note = f"{before} | {votes}" if before and not before.startswith("room vote") else votes
        store.upsert({f["id"]: found["id"]}, {**{f[s]: v for s, v in medians.items()}, f["note"]: note})
        return {"saved": True, "accepted": medians}

    # ---- business case ------------------------------------------------------------------------------------
    def _appraised(self, fresh: bool = False) -> tuple[business_case.BusinessCase, pd.DataFrame | None, str] | str:
        """The business case computed from the run's artifacts and the saved assumptions (once; ``fresh``: again),
        with the road map's schedule as it then stands, and when it was computed."""
        with self._case_lock:
            if self._case is None or fresh:
                if read_table(self.run_dir, VOICE_OF_CUSTOMER, "volumes", optional=True) is None:
                    return self._missing("The business case's figures", "02 (voice of the customer) and 03")
                case = business_case.run(self.engagement, self.run_dir)
                if case.model is None:
                    return str(case.skipped.get("appraisal", "The business case could not be appraised."))
                self._case = (case, None, time.strftime("%H:%M"))
            return self._case

    def case_view(self, fresh: bool = False) -> dict:
        """The assumptions the room may change (value within its low-high range) and when the figures were computed."""
        try:
            found = self._appraised(fresh)
        except CxmError as exc:
            return {"missing": f"The business case cannot be computed: {first_line(exc)}"}
        if isinstance(found, str):
            return {"missing": found}
        case, _, at = found
        store = store_for(self.engagement, "assumptions")
        f = dict(zip(INPUTS["assumptions"].fields, store.columns))
        saved = {r[f["name"]]: r for r in store.load().to_dict("records")}
        rows = []
        for r in case.tables["assumptions"].to_dict("records"):
            rows.append(
                {
                    "name": r["name"],
                    "description": str(r["description"]),
                    "group": str(r["group"]),
                    "unit": str(r["unit"]),
                    "value": _float(r["value"]),
                    "low": _float(r["low"]),
                    "high": _float(r["high"]),
                    "saved": r["name"] in saved,
                    "note": saved.get(r["name"], {}).get(f["note"], ""),
                }
            )
        return {"assumptions": rows, "computed_at": at, "price_base": case.price_base.label if case.price_base else ""}

    def _checked(self, name: str, value: object) -> tuple[business_case.BusinessCase, dict, float]:
        try:
            found = self._appraised()
        except CxmError as exc:  # the inputs have problems: the room says the first, the run lists them all
            raise RoomError(f"The business case cannot be computed: {first_line(exc)}") from None
        if isinstance(found, str):
            raise RoomError(found)
        case = found[0]
        table = case.tables["assumptions"].set_index("name")
        if name not in table.index:
            raise RoomError(f"There is no assumption '{str(name)[:60]}' in this business case.")
        row = table.loc[name]
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise RoomError(f"{name} must be a number; got {str(value).strip()[:20]!r}.") from None
        low, high = sorted((float(row["low"]), float(row["high"])))
        # the screen shows the bounds rounded: a value typed as shown is at the bound, not outside it
        slack = 1e-3 * max(abs(low), abs(high), 1e-9)
        if not math.isfinite(number) or not (low - slack <= number <= high + slack):
            what = str(row.get("description") or name)
            raise RoomError(f"{what} must be within its range, {low:.4g} to {high:.4g}; got {number:.4g}.")
        return case, dict(row), min(max(number, low), high)

    def what_moved(self, name: str, value: object) -> dict:
        """What one assumption at ``value`` moves: each initiative's and option's figures before and after, and the
        road map's items whose rank, horizon or start quarter change."""
        case, _, number = self._checked(name, value)
        table = case.what_moved({name: number})
        rows = [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in table.replace({np.nan: None}).to_dict("records")
        ]
        for r in rows:
            for k, v in list(r.items()):
                if isinstance(v, np.generic):
                    r[k] = v.item()
        return {"name": name, "value": number, "rows": rows, "roadmap": self._roadmap_moved(case, table)}

    def _roadmap_moved(self, case: business_case.BusinessCase, table: pd.DataFrame) -> dict:
        """The road map run twice on this run's artifacts, once with the appraisal before the change, once after."""
        if read_table(self.run_dir, ROADMAP, "backlog", optional=True) is None:
            return {"missing": self._missing("The road map", "05 (road map)")}
        initiatives = table[table["kind"] == "initiative"]
        appraisal = case.tables["appraisal"].set_index("initiative")
        plans = {}
        for when in ("before", "after"):
            if when == "before" and self._case is not None and self._case[0] is case and self._case[1] is not None:
                plans[when] = self._case[1]
                continue
            changed = appraisal.copy()
            for column, source in (("npv", "npv"), ("bcr", "bcr"), ("vfm_category", "vfm")):
                changed.loc[initiatives["id"], column] = initiatives[f"{source}_{when}"].to_numpy()
            sched = roadmap.run(self.engagement, self.run_dir, appraisal=changed.reset_index()).tables["schedule"]
            plans[when] = sched.assign(id=sched["id"].astype(str)).set_index("id")
            if when == "before" and self._case is not None and self._case[0] is case:
                self._case = (case, plans[when], self._case[2])  # the road map before any change: once per appraisal
        before, after = plans["before"], plans["after"]
        moved = []
        for item in after.index:
            if item not in before.index:
                continue
            b, a = before.loc[item], after.loc[item]
            pairs = {k: (_text(b[k]), _text(a[k])) for k in ("rank", "horizon", "start_quarter")}
            if any(x != y for x, y in pairs.values()):
                moved.append(
                    {
                        "id": item,
                        "title": str(a["title"]),
                        **{f"{k}_{w}": v[i] for k, v in pairs.items() for i, w in enumerate(("before", "after"))},
                    }
                )
        return {"items": moved, "total": len(after)}

    def save_assumption(self, name: str, value: object, note: str = "") -> dict:
        """Write the room's value for one assumption (its range kept) to ``workshop.assumptions``."""
        _, row, number = self._checked(name, value)
        if len(note) > TEXT_LIMIT:
            raise RoomError(f"The reason is limited to {TEXT_LIMIT:,} characters.")
        store = store_for(self.engagement, "assumptions")
        f = dict(zip(INPUTS["assumptions"].fields, store.columns))
        store.upsert(
            {f["name"]: name},
            {f["value"]: _exact(number), f["low"]: _exact(row["low"]), f["high"]: _exact(row["high"]), f["note"]: note},
        )
        return {"saved": True}


def _shown(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(number) else f"{number:g}"


def _exact(value: object) -> str:
    """A number as text that reads back as the same float (``repr``), without a trailing ``.0``."""
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else repr(number)


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _numbers(column: pd.Series) -> list[float]:
    return sorted(float(v) for v in column if str(v).strip() != "")


def _median(column: pd.Series, choice: bool) -> str:
    """The room's score: the lower middle vote for a choice (always one of the choices), the median for a number."""
    given = _numbers(column)
    if not given:
        return ""
    return f"{(statistics.median_low(given) if choice else statistics.median(given)):g}"


def _spread(column: pd.Series) -> list[float]:
    return _numbers(column)

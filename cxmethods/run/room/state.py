"""What the workshop room knows and does, without the web: who joined, their answers, the room's live picture.

A :class:`Room` belongs to one engagement. It keeps the participants who joined (name, role and a private token
each) in ``room/participants.json`` beside the workshop's answers files, with the room's join code and the
facilitator's key in ``room/room.json``, so a restarted room keeps its links. Every answer goes through the
engagement's answer store (:mod:`cxmethods.io.answers`): locked, written atomically and on disk before the call
returns, so a save the room acknowledges is a save a crash keeps.

>>> import tempfile
>>> from cxmethods.sample import write_sample
>>> from cxmethods import load_engagement
>>> folder = tempfile.TemporaryDirectory()
>>> _ = write_sample(folder.name)
>>> room = Room(load_engagement(f"{folder.name}/engagement.yaml"))
>>> me = room.join("Ana", "Librarian")
>>> room.save_answer(me, "understand.definition", current="2", target="4", evidence="Seen in the branch")["answered"]
1
>>> room.participant_view(me)["answers"]["understand.definition"]["current"]
'2'
>>> folder.cleanup()
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.io.answers import SaveQueue, answers_lock, atomic_write, store_for
from cxmethods.methodology.maturity import model_for
from cxmethods.run.room.moments import Moments, RoomError
from cxmethods.workbooks import self_assessment

__all__ = ["EVIDENCE_LIMIT", "NAME_LIMIT", "PARTICIPANT_LIMIT", "Participant", "Room", "RoomError"]

NAME_LIMIT = 60
PARTICIPANT_LIMIT = 300
EVIDENCE_LIMIT = 2000
_LEVELS = ("", "1", "2", "3", "4", "5")


@dataclass(frozen=True)
class Participant:
    token: str
    name: str
    role: str


class Room:
    """One engagement's workshop room: participants, their answers, and the facilitator's live picture."""

    def __init__(self, engagement: Engagement, run_dir: str | Path | None = None) -> None:
        self.engagement = engagement
        self.model = model_for(engagement)
        self.dimensions = {d.id: d for d in self.model.dimensions}
        self.scores = store_for(engagement, "self_assessment")
        self.consensus = store_for(engagement, "consensus")
        self._saves = SaveQueue(self.scores)  # a room's saves arriving together are written together
        self.folder = self.scores.path.parent / "room"
        self.folder.mkdir(parents=True, exist_ok=True)
        secrets_file = self.folder / "room.json"
        with answers_lock(secrets_file):
            if secrets_file.exists():
                kept = json.loads(secrets_file.read_text(encoding="utf-8"))
            else:
                kept = {"code": _code(), "facilitator": secrets.token_urlsafe(16)}
                _private(secrets_file, json.dumps(kept, indent=1).encode())
        self.code: str = kept["code"]
        self.facilitator_key: str = kept["facilitator"]
        # the other moments: segment names, backlog vote, business case (see moments.py)
        self.moments = Moments(engagement, self.folder, run_dir)

    # ---- participants -------------------------------------------------------------------------------------
    @property
    def _registry(self) -> Path:
        return self.folder / "participants.json"

    def participants(self) -> dict[str, Participant]:
        """Everyone who joined, by token."""
        if not self._registry.exists():
            return {}
        rows = json.loads(self._registry.read_text(encoding="utf-8"))
        return {t: Participant(t, r["name"], r["role"]) for t, r in rows.items()}

    def participant(self, token: str | None) -> Participant | None:
        return self.participants().get(token or "")

    def join(self, name: str, role: str) -> Participant:
        """Add a participant; a name already in the room (joined, or with answers in the file) is refused, so
        nobody sees another's answers by typing their name. The facilitator can give that person a link."""
        name, role = _clean(name, "Your name"), _clean(role, "Your role")
        with answers_lock(self._registry):
            known = self.participants()
            taken = {p.name.casefold() for p in known.values()} | {n.casefold() for n in self._names_in_file()}
            if name.casefold() in taken:
                raise RoomError(
                    f"Someone is already in the room as {name}. If that is you, open your personal link "
                    "(the facilitator can show it); otherwise add an initial to your name."
                )
            return self._add(known, name, role)

    def link_for(self, name: str, role: str) -> Participant:
        """The facilitator's way in for a named person (their answers already in the file, or a new device)."""
        name, role = _clean(name, "Name"), _clean(role, "Role")
        with answers_lock(self._registry):
            known = self.participants()
            for p in known.values():
                if p.name.casefold() == name.casefold():
                    return p
            return self._add(known, name, role)

    def _add(self, known: dict[str, Participant], name: str, role: str) -> Participant:
        if len(known) >= PARTICIPANT_LIMIT:
            raise RoomError(f"The room is full ({PARTICIPANT_LIMIT} people). Ask the facilitator to open a second room.")
        person = Participant(secrets.token_urlsafe(12), name, role)
        rows = {t: {"name": p.name, "role": p.role} for t, p in {**known, person.token: person}.items()}
        _private(self._registry, json.dumps(rows, indent=1, ensure_ascii=False).encode("utf-8"))
        return person

    def _names_in_file(self) -> set[str]:
        table = self.scores.load()
        return set(table[self.scores.columns[0]]) - {""}

    # ---- answers ------------------------------------------------------------------------------------------
    def _fields(self) -> dict[str, str]:
        from cxmethods.core.schemas import INPUTS

        return dict(zip(INPUTS["self_assessment"].fields, self.scores.columns))

    def save_answer(
        self,
        who: Participant,
        dimension_id: str,
        *,
        current: str | None = None,
        target: str | None = None,
        evidence: str | None = None,
    ) -> dict:
        """Save what was given for one dimension (the rest of the row stays); returns the participant's progress
        once the file on disk holds it."""
        if dimension_id not in self.dimensions:
            raise RoomError(f"There is no dimension '{dimension_id}' in this room's maturity model.")
        f = self._fields()
        values: dict[str, str] = {}
        for field, level in (("current_level", current), ("target_level", target)):
            if level is not None:
                level = str(level).strip()
                if level not in _LEVELS:
                    raise RoomError(f"A level is a whole number from 1 to 5 (or empty); got '{level[:10]}'.")
                values[f[field]] = level
        if evidence is not None:
            if len(evidence) > EVIDENCE_LIMIT:
                raise RoomError(f"Evidence is limited to {EVIDENCE_LIMIT:,} characters; shorten it and save again.")
            values[f["evidence"]] = evidence
        if self.model.version:  # so a later model version knows what descriptors the answer was given against
            values[f["model_version"]] = self.model.version
        # the file's key is participant and dimension: names are unique in the room (see join)
        table = self._saves.upsert({f["participant"]: who.name, f["dimension_id"]: dimension_id}, {f["role"]: who.role, **values})
        return {"saved": True, "answered": _answered(self._own(table, who, f), f)}

    def _own(self, table: pd.DataFrame, who: Participant, f: dict[str, str]) -> pd.DataFrame:
        mine = table[table[f["participant"]] == who.name]
        return mine[mine[f["dimension_id"]].isin(self.dimensions)]

    def participant_view(self, who: Participant) -> dict:
        """What a participant's page needs: the model (levels and descriptors) and their own answers only."""
        f = self._fields()
        mine = self._own(self.scores.load(), who, f)
        answers = {
            r[f["dimension_id"]]: {
                "current": _level(r[f["current_level"]]),
                "target": _level(r[f["target_level"]]),
                "evidence": r[f["evidence"]],
            }
            for r in mine.to_dict("records")
        }
        components = {c.id: c.name for c in self.model.components}
        return {
            "participant": {"name": who.name, "role": who.role},
            "organisation": self.engagement.organisation,
            "level_names": list(self.model.level_names),
            "dimensions": [
                {
                    "id": d.id,
                    "name": d.name,
                    "component": components.get(d.component, d.component),
                    "question": d.question,
                    "levels": list(d.levels),
                }
                for d in self.model.dimensions
            ],
            "answers": answers,
        }

    def save_consensus(
        self, dimension_id: str, *, current: str, target: str, rationale: str, strengths: str = "", areas: str = ""
    ) -> None:
        """The room's agreed scores for one dimension (the facilitator's form), with the strengths and areas for
        improvement it recorded (left as they are in the file when not given)."""
        if dimension_id not in self.dimensions:
            raise RoomError(f"There is no dimension '{dimension_id}' in this room's maturity model.")
        for level in (current, target):
            if str(level).strip() not in _LEVELS[1:]:
                raise RoomError("Pick the agreed level today and the target, each from 1 to 5, before saving.")
        if max(len(rationale), len(strengths), len(areas)) > EVIDENCE_LIMIT:
            raise RoomError(f"The reason, strengths and areas are each limited to {EVIDENCE_LIMIT:,} characters.")
        from cxmethods.core.schemas import INPUTS

        f = dict(zip(INPUTS["consensus"].fields, self.consensus.columns))
        self.consensus.upsert(
            {f["dimension_id"]: dimension_id},
            {
                f["current_level"]: str(current).strip(),
                f["target_level"]: str(target).strip(),
                f["rationale"]: rationale,
                **({f["strengths"]: strengths} if strengths else {}),
                **({f["areas_for_improvement"]: areas} if areas else {}),
                **({f["model_version"]: self.model.version} if self.model.version else {}),
            },
        )

    # ---- the facilitator's picture ------------------------------------------------------------------------
    def room_view(self) -> dict:
        """The facilitator's live picture: who has started and finished, each dimension's spread by role, the
        disagreements in the order to discuss them (with each role's scores, the median and the evidence), the
        agreed scores and the largest gaps. Evidence is redacted as in every output."""
        result = self_assessment.run(self.engagement, None)
        answers, scores = result.answers, result.table("scores")
        total = len(self.dimensions)
        joined = self.participants().values()
        f = self._fields()
        raw = self.scores.load()
        people = []
        seen = set()
        for p in joined:
            mine = self._own(raw, p, f)
            people.append(_progress(p.name, p.role, _answered(mine, f), total, True))
            seen.add(p.name.casefold())
        for name, theirs in raw.groupby(f["participant"], sort=True):
            if name and name.casefold() not in seen:
                mine = theirs[theirs[f["dimension_id"]].isin(self.dimensions)]
                people.append(_progress(name, theirs[f["role"]].iloc[0], _answered(mine, f), total, False))
        by_dimension = {d: g for d, g in answers.groupby("dimension_id")} if not answers.empty else {}
        role_medians = _role_medians(answers)
        dims = []
        for row in scores.to_dict("records"):
            given = by_dimension.get(row["dimension_id"], answers.iloc[0:0])
            dims.append(
                {
                    "id": row["dimension_id"],
                    "name": row["dimension"],
                    "component": row["component_name"],
                    "n": int(row["n"]),
                    "median": _number(row["median_current"]),
                    "median_target": _number(row["median_target"]),
                    "range": _number(row["range"]),
                    "iqr": _number(row["iqr"]),
                    "disputed": bool(row["disagreement"]),
                    "agreed": _number(row["consensus_current"]),
                    "agreed_target": _number(row["consensus_target"]),
                    "rationale": row["consensus_rationale"],
                    "strengths": row["consensus_strengths"],
                    "areas": row["consensus_areas"],
                    "current": _number(row["current"]),
                    "target": _number(row["target"]),
                    "gap": _number(row["gap"]),
                    "scores": [
                        {"role": r["role"], "current": _number(r["current_level"]), "target": _number(r["target_level"])}
                        for r in given.to_dict("records")
                    ],
                    "evidence": [
                        {"role": r["role"], "text": str(r["evidence"])}
                        for r in given.to_dict("records")
                        if isinstance(r["evidence"], str) and r["evidence"].strip()
                    ],
                    "by_role": role_medians.get(row["dimension_id"], []),
                }
            )
        settings = self.engagement.settings.self_assessment
        return {
            "organisation": self.engagement.organisation,
            "level_names": list(self.model.level_names),
            "descriptors": {d.id: list(d.levels) for d in self.model.dimensions},
            "participants": people,
            "dimensions": dims,
            "disagreements": list(result.table("disagreements")["dimension_id"]),
            "gaps": list(result.table("gaps")["dimension_id"].head(10)),
            "rule": (
                f"A dimension is disputed when the top {settings.disagreement_share:.0%} of scores sit at least "
                f"{settings.disagreement_range} levels above the bottom {settings.disagreement_share:.0%} "
                "(so one dissenter in a room of eight does not make a dispute). Widest interquartile range first. "
                "Change it in the engagement: settings.self_assessment.disagreement_range and disagreement_share."
            ),
        }


def _private(path: Path, data: bytes) -> None:
    """Write a file of the room's secrets (join code, facilitator key, participants' tokens) readable by its owner only."""
    atomic_write(path, data)
    path.chmod(0o600)


def _code() -> str:
    """A join code people can read aloud and type: four letters, a dash, four letters (no 0/O, 1/l)."""
    letters = "abcdefghjkmnpqrstuvwxyz"
    word = lambda: "".join(secrets.choice(letters) for _ in range(4))  # noqa: E731
    return f"{word()}-{word()}"


def _clean(text: str, what: str) -> str:
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    if not text:
        raise RoomError(f"{what} is needed to join the room.")
    if len(text) > NAME_LIMIT:
        raise RoomError(f"{what} is limited to {NAME_LIMIT} characters.")
    if text[0] in "=+-@":
        raise RoomError(f"{what} cannot start with '{text[0]}'.")
    return text


def _level(value: object) -> str:
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return ""
    return str(int(number)) if number.is_integer() and 1 <= number <= 5 else ""


def _answered(mine: pd.DataFrame, f: dict[str, str]) -> int:
    """Dimensions with both levels given (evidence is welcome, not required to count)."""
    done = mine[f["current_level"]].map(_level).ne("") & mine[f["target_level"]].map(_level).ne("")
    return int(done.sum())


def _progress(name: str, role: str, answered: int, total: int, joined: bool) -> dict:
    return {"name": name, "role": role, "answered": answered, "total": total, "finished": answered >= total, "joined": joined}


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) else round(number, 2)


def _role_medians(answers: pd.DataFrame) -> dict[str, list[dict]]:
    """Each role's median level today and target on each dimension, for the consensus step."""
    if answers.empty:
        return {}
    levels = answers.assign(
        today=pd.to_numeric(answers["current_level"], errors="coerce"),
        target=pd.to_numeric(answers["target_level"], errors="coerce"),
    ).dropna(subset=["today"])
    table = levels.groupby(["dimension_id", "role"], sort=True).agg(
        median=("today", "median"), median_target=("target", "median"), n=("today", "size")
    )
    out: dict[str, list[dict]] = {}
    for (dimension, role), r in table.iterrows():
        target = None if pd.isna(r["median_target"]) else float(r["median_target"])
        out.setdefault(dimension, []).append(
            {"role": role, "median": float(r["median"]), "median_target": target, "n": int(r["n"])}
        )
    return out

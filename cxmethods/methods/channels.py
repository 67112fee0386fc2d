"""Workbook 03: segment x channel x service: who prefers which channel, who can self-serve, realistic targets.

Channel shift only works for customers who can and will use the cheaper channel (Deloitte, *One Size
Fits Few*, 2008, "Channel Manager": HMRC found a segment that self-service intimidated). So every
migration target here is capped by the segment's own capacity to self-serve online, and a segment
below ``min_capacity`` gets no online target at all.

>>> import pandas as pd
>>> survey = pd.DataFrame({"preferred_channel": ["phone", "web_form", "phone", "phone"],
...                        "digital_confidence": [5, 5, 1, 2]})
>>> prefs = channel_preferences(survey, pd.Series([1, 1, 2, 2]))
>>> prefs.set_index(["segment", "channel"]).loc[(1, "web_form"), "share"]
np.float64(0.5)
"""

from __future__ import annotations

import pandas as pd

from cxmethods.core.checks import check_number, check_one_of
from cxmethods.core.errors import ConfigError, CxmError, Problem
from cxmethods.core.files import Unreadable, described, first_line, unreadable
from cxmethods.core.schemas import CHANNELS
from cxmethods.io.kinds import check_setting_file, identify

__all__ = [
    "ASSISTED",
    "SELF_SERVICE",
    "channel_preferences",
    "migration_targets",
    "read_suitability",
    "self_service",
    "suitability_matrix",
]

#: Channels a customer completes alone, and those that need staff.
SELF_SERVICE = ("web_form", "mobile_app")
ASSISTED = ("phone", "face_to_face", "email", "post")

#: Default suitability (0-1) of each channel by service complexity, used when the engagement gives none.
_SUITABILITY = {
    "simple": {"web_form": 1.0, "mobile_app": 1.0, "email": 1.0, "phone": 1.0, "face_to_face": 1.0, "post": 0.5},
    "medium": {"web_form": 0.8, "mobile_app": 0.6, "email": 0.8, "phone": 1.0, "face_to_face": 1.0, "post": 0.5},
    "complex": {"web_form": 0.4, "mobile_app": 0.2, "email": 0.5, "phone": 1.0, "face_to_face": 1.0, "post": 0.3},
}


def channel_preferences(survey: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Preferred channel by segment: ``segment``, ``channel``, ``respondents``, ``share`` (of the segment's answers)."""
    if "preferred_channel" not in survey:
        raise CxmError("Channel preferences need the survey's preferred_channel: map it under inputs.survey.columns.")
    frame = pd.DataFrame({"segment": segments.to_numpy(), "channel": survey["preferred_channel"].to_numpy()}).dropna()
    counts = frame.groupby(["segment", "channel"]).size().rename("respondents").reset_index()
    counts["share"] = counts["respondents"] / counts.groupby("segment")["respondents"].transform("sum")
    return counts


def self_service(survey: pd.DataFrame, segments: pd.Series, *, confident_from: float = 4) -> pd.DataFrame:
    """Self-service propensity per segment.

    Columns: ``segment``, ``respondents``, ``prefers_self_service`` (share preferring web or app),
    ``confident_online`` (share with ``digital_confidence >= confident_from``; NaN without that field),
    ``capacity`` (the larger of the two: who could realistically self-serve).
    """
    frame = pd.DataFrame({"segment": segments.to_numpy()})
    frame["prefers"] = survey["preferred_channel"].isin(SELF_SERVICE).to_numpy() if "preferred_channel" in survey else pd.NA
    if "digital_confidence" in survey:
        confidence = survey["digital_confidence"].astype("Float64").to_numpy()
        frame["confident"] = pd.Series(confidence >= confident_from).where(~pd.isna(confidence)).to_numpy()
    else:
        frame["confident"] = float("nan")
    grouped = frame.groupby("segment")
    table = pd.DataFrame(
        {
            "respondents": grouped.size(),
            "prefers_self_service": grouped["prefers"].mean().astype(float),
            "confident_online": grouped["confident"].mean().astype(float),
        }
    ).reset_index()
    table["capacity"] = table[["prefers_self_service", "confident_online"]].max(axis=1)
    return table


def suitability_matrix(services: list[str], complexity: dict[str, str] | None = None) -> pd.DataFrame:
    """Service x channel suitability (0-1) by service complexity (``simple``, ``medium`` or ``complex``;
    services not listed are ``medium``). Columns: ``service``, ``complexity``, then one per channel."""
    complexity = complexity or {}
    for service, level in complexity.items():
        check_one_of(level, f"complexity[{service!r}]", "suitability_matrix", tuple(_SUITABILITY))
    rows = [
        {"service": s, "complexity": complexity.get(s, "medium"), **_SUITABILITY[complexity.get(s, "medium")]} for s in services
    ]
    return pd.DataFrame(rows, columns=["service", "complexity", *CHANNELS])


def migration_targets(
    preferences: pd.DataFrame,
    capacity: pd.DataFrame,
    *,
    uptake: float = 0.5,
    min_capacity: float = 0.2,
    online_suitability: float = 1.0,
) -> pd.DataFrame:
    """Current and target channel shares per segment.

    The online (web and app) share moves ``uptake`` of the way from where it is to the segment's
    capacity, scaled by how suitable the segment's services are online (``online_suitability``, 0-1);
    assisted channels shrink in proportion. A segment whose capacity is below ``min_capacity`` keeps its
    current mix: no target pushes people who cannot self-serve online. ``uptake`` 0.5 is of the order
    reported for well-run campaigns (Deloitte 2008: Norway's e-filing rose from 36% to 55% in a year).

    Returns
    -------
    DataFrame
        ``segment``, ``channel``, ``current_share``, ``target_share``, ``note``.
    """
    for name, value in (("uptake", uptake), ("min_capacity", min_capacity), ("online_suitability", online_suitability)):
        check_number(value, name, "migration_targets", low=0, high=1)
    rows = []
    caps = capacity.set_index("segment")["capacity"]
    for segment, group in preferences.groupby("segment"):
        current = group.set_index("channel")["share"].reindex(list(CHANNELS), fill_value=0.0)
        online_now = current[list(SELF_SERVICE)].sum()
        cap = float(caps.get(segment, float("nan")))
        if pd.isna(cap) or cap < min_capacity:
            target, note = current.copy(), "no online target: the segment cannot self-serve online"
        else:
            goal = max(online_now, online_now + uptake * (cap * online_suitability - online_now))
            target = current.copy()
            if online_now > 0:
                target[list(SELF_SERVICE)] = current[list(SELF_SERVICE)] * goal / online_now
            else:
                target[list(SELF_SERVICE)] = goal / len(SELF_SERVICE)
            assisted_now = current[list(ASSISTED)].sum()
            if assisted_now > 0:
                target[list(ASSISTED)] = current[list(ASSISTED)] * (1 - goal) / assisted_now
            note = f"online {online_now:.0%} -> {goal:.0%} (capacity {cap:.0%})"
        for channel in CHANNELS:
            rows.append(
                {
                    "segment": segment,
                    "channel": channel,
                    "current_share": round(float(current[channel]), 4),
                    "target_share": round(float(target[channel]), 4),
                    "note": note,
                }
            )
    return pd.DataFrame(rows)


def read_suitability(path) -> pd.DataFrame:
    """An engagement's own service x channel suitability: a CSV with ``service`` and one column per channel (0-1).

    Channels left out are taken as unsuitable (0).

    Raises
    ------
    ConfigError
        Naming the file, column and rows for anything else, with the fix; a file of another kind (a YAML, the
        survey) is named for what it is.
    """
    from pathlib import Path

    path, setting = Path(path), "settings.segmentation.suitability"
    fix = "Give a CSV with a service column and one column per channel (0-1), or remove the setting to use the default."

    def refuse(message: str, **where) -> ConfigError:
        return ConfigError([Problem(str(path), message, fix, **where)], title="The suitability matrix cannot be used")

    check_setting_file(path, "suitability")  # first: a FIFO or a folder is named for what it is
    if not path.is_file():
        raise refuse(f"the suitability matrix ({setting}) was not found.")
    try:
        with unreadable(ValueError):
            table = pd.read_csv(path, encoding="utf-8-sig")
    except Unreadable as exc:
        raise refuse(f"the suitability matrix ({setting}) cannot be read as CSV ({first_line(exc.__cause__)}).") from None
    unknown = [c for c in table.columns if c not in ("service", "complexity", *CHANNELS)]
    if "service" not in table or unknown:
        check_setting_file(path, "suitability", lacking=True)  # the survey or another known table: said so
        # the first row is quoted only when it is a row of column names (identify says "table"), never a line of
        # another file given by mistake
        got = (
            f"Got {', '.join(map(str, table.columns))} instead."
            if identify(path).form == "table"
            else f"Its first row is not a row of column names ({described(path)}); its content is not shown."
        )
        raise refuse(f"columns must be service and channels ({', '.join(CHANNELS)}). {got}")
    for channel in [c for c in CHANNELS if c in table]:
        values = pd.to_numeric(table[channel], errors="coerce")
        bad = values.isna() | (values < 0) | (values > 1)
        if bad.any():
            rows = tuple(int(i) + 2 for i in table.index[bad][:5])
            shown = str(table.loc[bad, channel].iloc[0]).strip()
            if shown.endswith("%") and (share := pd.to_numeric(shown.rstrip("%"), errors="coerce")) == share:
                fix = f"Write shares as decimals without the % sign: {share / 100:g}, not {shown}."
            raise refuse("suitability must be a number from 0 to 1.", column=channel, rows=rows)
        table[channel] = values
    for channel in CHANNELS:
        if channel not in table:
            table[channel] = 0.0
    return table[["service", *CHANNELS]]

"""What the sample's tables share: wards, segments, the planted spike, and two drawing helpers."""

from __future__ import annotations

import numpy as np

from cxmethods.core.schemas import CHANNELS

__all__ = ["CHANNELS", "SEGMENTS", "SPIKE", "WARDS"]

WARDS = (
    "Abbey Mead",
    "Brookside",
    "Castlefield",
    "Eastgate",
    "Ferry Lane",
    "Greenbank",
    "Holloway Fields",
    "Kingsmoor",
    "Millbrook",
    "Northwood",
    "St Anne's",
    "Weir Green",
)
_WARD_W = np.array([9, 8, 8, 10, 7, 9, 6, 8, 10, 9, 7, 9], float)
SEGMENTS = (
    "Digital self-servers",
    "Busy working families",
    "Older residents who prefer phone or face to face",
    "Newcomers with language needs",
    "Frequent complex-needs contacts",
)
# planted in the contact log, echoed in the survey comments of the same ward
SPIKE = {
    "ward": "Castlefield",
    "reason": "Parking obstruction",
    "weekday": "Sunday",
    "weekday_index": 6,
    "hours": (8, 12),
    "per_sunday_mean": 1.5,
    "place": "Castlefield Methodist Church (fictional)",
}


def _norm(w) -> np.ndarray:
    w = np.asarray(w, float)
    return w / w.sum()


def _pick(rng: np.random.Generator, group: np.ndarray, table) -> np.ndarray:
    """Draw one option index per row with weights ``table[group]``, groups in sorted order."""
    table, out = np.asarray(table, float), np.zeros(len(group), int)
    for g in np.unique(group):
        idx = np.flatnonzero(group == g)
        out[idx] = rng.choice(table.shape[1], idx.size, p=_norm(table[g]))
    return out

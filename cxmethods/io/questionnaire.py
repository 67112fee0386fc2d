"""The client's questionnaire: which survey columns are rated questions, how each is scaled, what it asks.

An engagement declares its survey's questions under ``inputs.survey.items`` (column, the question's
own label, its scale, its don't-know codes, its role) and its respondent attributes under
``inputs.survey.attributes``. :func:`questionnaire` turns that into the fields the survey is read
with and the labels every output shows. Without ``items``, the standard questions of
templates/survey.csv (:data:`cxmethods.core.schemas.STANDARD_ITEMS`) are read from columns of those
names: the ready-made questionnaire of the sample, not a limit.

>>> from cxmethods import load_engagement
>>> q = questionnaire(load_engagement().inputs.survey)
>>> q.outcome.key, [i.key for i in q.drivers][:2], q.label("courtesy")
('overall_satisfaction', ['timeliness', 'knowledge'], 'Courtesy')
"""

from __future__ import annotations

from dataclasses import dataclass

from cxmethods.core.config import InputFile
from cxmethods.core.schemas import INPUTS, STANDARD_ITEMS, Field

__all__ = ["YES_NO", "Item", "Questionnaire", "questionnaire", "survey_columns", "survey_fields"]

#: How yes/no answers are read: 1 for yes, 0 for no.
YES_NO: tuple[tuple[str, float], ...] = (
    ("yes", 1.0),
    ("no", 0.0),
    ("y", 1.0),
    ("n", 0.0),
    ("true", 1.0),
    ("false", 0.0),
    ("1", 1.0),
    ("0", 0.0),
)


@dataclass(frozen=True)
class Item:
    """One rated question: its field name, label, role and scale.

    ``scale`` is (lowest, highest) point; ``binary`` items are yes/no, read as 1/0, whose "score" is the
    share answering yes. ``codes`` maps answer labels to points; ``missing`` lists don't-know answers.
    """

    key: str
    label: str
    role: str = "driver"
    scale: tuple[float, ...] = (1, 5)
    binary: bool = False
    codes: tuple[tuple[str, float], ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def scale_text(self) -> str:
        """How the scale reads in a sentence: ``"1-5"``, ``"yes/no"``."""
        return "yes/no" if self.binary else f"{self.scale[0]:g}-{self.scale[1]:g}"


@dataclass(frozen=True)
class Questionnaire:
    """The survey's rated questions (``items``) and respondent attributes (field -> label)."""

    items: tuple[Item, ...]
    attributes: dict[str, str]
    columns: dict[str, str]  # our field -> the column in the file, for declared items and attributes

    @property
    def outcome(self) -> Item | None:
        """The question the key-driver analysis explains, if any."""
        return next((i for i in self.items if i.role == "outcome"), None)

    @property
    def drivers(self) -> list[Item]:
        return [i for i in self.items if i.role == "driver"]

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)

    def label(self, key: str) -> str:
        """The label of an item or attribute; the field name itself when it is neither."""
        found = next((i.label for i in self.items if i.key == key), None)
        return found or self.attributes.get(key) or key


def questionnaire(spec: InputFile | None) -> Questionnaire:
    """The questionnaire a survey input declares (or the standard one when it declares no items)."""
    if spec is None:
        return Questionnaire((), {}, {})
    default_missing = tuple(spec.dont_know_codes)
    if spec.items:
        items = tuple(
            Item(
                key=item.key,
                label=item.label or item.column,
                role=item.role,
                scale=_scale(item.scale, spec.scale),
                binary=item.scale == "yes_no" or (isinstance(item.scale, dict) and set(item.scale.values()) == {0, 1}),
                codes=YES_NO if item.scale == "yes_no" else tuple(item.scale.items()) if isinstance(item.scale, dict) else (),
                missing=tuple(item.dont_know) if item.dont_know is not None else default_missing,
            )
            for item in spec.items
        )
    else:
        items = tuple(
            Item(key, label, role, tuple(spec.scale), missing=default_missing) for key, (label, role, _) in STANDARD_ITEMS.items()
        )
    attributes = {a.key: a.label or a.column for a in spec.attributes}
    columns = {i.key: i.column for i in spec.items} | {a.key: a.column for a in spec.attributes}
    return Questionnaire(items, attributes, columns)


def survey_fields(spec: InputFile) -> dict[str, Field]:
    """The fields a survey is read with: id, comment and the standard attributes, then its questions and
    declared attributes. Declared items replace the standard questions, which are read on the survey's
    own ``scale`` and ``dont_know_codes``."""
    fields = dict(INPUTS["survey"].fields)
    if spec.items:
        fields = {key: field for key, field in fields.items() if key not in STANDARD_ITEMS}
        for item in questionnaire(spec).items:
            fields[item.key] = Field("likert", item.label, scale=item.scale, codes=item.codes, missing=item.missing)
    for attribute in spec.attributes:
        fields[attribute.key] = Field(
            "number" if attribute.kind == "number" else "category",
            attribute.label or attribute.column,
            missing=tuple(attribute.dont_know),
        )
    return fields


def survey_columns(spec: InputFile) -> dict[str, str]:
    """Our field -> the file's column for a survey: its ``columns`` mapping plus declared items and attributes."""
    return dict(spec.columns) | questionnaire(spec).columns


def _scale(scale, default: tuple[int, int]) -> tuple[float, ...]:
    if scale == "yes_no":
        return (0.0, 1.0)
    if isinstance(scale, dict):
        return (min(scale.values()), max(scale.values()))
    return tuple(scale) if scale is not None else tuple(default)

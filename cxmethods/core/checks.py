"""Parameter checks: one message for a function parameter that is not what the function accepts.

Every message follows one template (scikit-learn's; see STYLE.md)::

    The '{name}' parameter of {fn} must be {expected}. Got {got!r} instead.

followed, where it helps, by `` Fix: {fix}``. The ``check_*`` functions cover the common cases and return
the value (as ``int`` or ``float`` for numbers); :func:`parameter_error` builds the error for any other
rule. An element of a mapping is named like ``weights['value']``.

These are for a function's parameters only. A problem in a user's data (a file, column or row) is a
:class:`~cxmethods.core.errors.Problem`, raised with :class:`~cxmethods.core.errors.ConfigError` or
:class:`~cxmethods.core.errors.InputError`, and says how to fix the data.

>>> check_number(0.035, "rate", "npv", low=0, high=1, closed="left")
0.035
>>> check_number(3.5, "rate", "npv", low=0, high=1, closed="left")
Traceback (most recent call last):
...
cxmethods.core.errors.CxmError: The 'rate' parameter of npv must be a number in [0, 1). Got 3.5 instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from numbers import Integral, Real
from typing import Literal, TypeVar

from cxmethods.core.errors import CxmError

__all__ = ["check_bool", "check_int", "check_number", "check_one_of", "check_text", "check_type", "parameter_error"]

T = TypeVar("T")


def parameter_error(name: str, fn: str, expected: str, got: object, *, fix: str | None = None, as_text: bool = False) -> CxmError:
    """The error for a parameter whose value ``fn`` does not accept; the caller raises it.

    Parameters
    ----------
    name : str
        The parameter, as the caller wrote it (``"n_themes"``; ``"weights['value']"`` for one element).
    fn : str
        The function (or ``Class.method``) that was called.
    expected : str
        What the value must be, to follow "must be": ``"an int >= 1"``, ``"a pandas Series"``.
    got : object
        The value given, shown with ``repr``; a numpy scalar is shown as the number it holds, and a type by
        its name (pass ``type(value)`` for a value whose repr is long, such as a DataFrame).
    fix : str, optional
        How to put it right, added as " Fix: ..." when the rule alone does not say.
    as_text : bool, default False
        ``got`` is a description to show as it is (``"3 incomplete rows"``), not a value.

    Returns
    -------
    CxmError

    Examples
    --------
    >>> raise parameter_error("n", "write_variants", "an int in [1, 999]", 0)
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'n' parameter of write_variants must be an int in [1, 999]. Got 0 instead.
    >>> print(parameter_error("texts", "sentiment", "a pandas Series", type([])))
    The 'texts' parameter of sentiment must be a pandas Series. Got list instead.
    >>> print(parameter_error("capacity", "schedule", "one number per quarter (12)", 2, fix="give 12 capacities."))
    The 'capacity' parameter of schedule must be one number per quarter (12). Got 2 instead. Fix: give 12 capacities.
    """
    shown = got if as_text else _show(got)
    return CxmError(f"The '{name}' parameter of {fn} must be {expected}. Got {shown} instead." + (f" Fix: {fix}" if fix else ""))


def check_type(value: T, name: str, fn: str, types: type | tuple[type, ...], what: str) -> T:
    """``value`` if it is an instance of ``types``; else the parameter error, saying it must be ``what``.

    A wrong value that is a single number, string, bool or None is shown as it is; anything else (a list,
    an array, a table) by the name of its type.

    Examples
    --------
    >>> import pandas as pd
    >>> check_type(pd.Series(["Great"]), "texts", "sentiment", pd.Series, "a pandas Series").tolist()
    ['Great']
    >>> check_type(["Great"], "texts", "sentiment", pd.Series, "a pandas Series")
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'texts' parameter of sentiment must be a pandas Series. Got list instead.
    >>> check_type(5, "text", "redact", str, "a str or None")
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'text' parameter of redact must be a str or None. Got 5 instead.
    """
    if not isinstance(value, types):
        raise parameter_error(name, fn, what, value if _scalar(value) else type(value))
    return value


def check_int(
    value: object, name: str, fn: str, *, low: int | None = None, high: int | None = None, expected: str | None = None
) -> int:
    """``value`` as an ``int`` if it is a whole number (a Python or numpy int, not a bool) in ``[low, high]``.

    Parameters
    ----------
    value : object
    name, fn : str
        The parameter and the function, for the message (see :func:`parameter_error`).
    low, high : int, optional
        Inclusive bounds; ``None`` for none.
    expected : str, optional
        What the message says the value must be; by default "an int", with the bounds (``"an int >= 1"``,
        ``"an int in [1, 999]"``).

    Returns
    -------
    int

    Examples
    --------
    >>> check_int(5, "n_segments", "Segmenter", low=2)
    5
    >>> check_int(2.5, "n_themes", "themes", low=1)
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'n_themes' parameter of themes must be an int >= 1. Got 2.5 instead.
    >>> check_int(1000, "n", "write_variants", low=1, high=999)
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'n' parameter of write_variants must be an int in [1, 999]. Got 1000 instead.
    """
    if isinstance(value, Integral) and not isinstance(value, bool):
        number = int(value)
        if (low is None or number >= low) and (high is None or number <= high):
            return number
    raise parameter_error(name, fn, expected or "an int" + _range(low, high, "both"), value)


def check_number(
    value: object,
    name: str,
    fn: str,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: Literal["both", "left", "right", "neither"] = "both",
    expected: str | None = None,
) -> float:
    """``value`` as a ``float`` if it is a finite real number (not a bool) between ``low`` and ``high``.

    Parameters
    ----------
    value : object
    name, fn : str
        The parameter and the function, for the message (see :func:`parameter_error`).
    low, high : float, optional
        Bounds; ``None`` for none.
    closed : {"both", "left", "right", "neither"}, default "both"
        Which bounds the value may equal, as for :class:`pandas.Interval`.
    expected : str, optional
        What the message says the value must be; by default "a number", with the bounds (``"a number > 0"``,
        ``"a number in [0, 1)"``).

    Returns
    -------
    float

    Examples
    --------
    >>> check_number(0.5, "uptake", "migration_targets", low=0, high=1)
    0.5
    >>> check_number(0, "ratio", "sample_size_means", low=0, closed="neither")
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'ratio' parameter of sample_size_means must be a number > 0. Got 0 instead.
    >>> check_number(float("nan"), "effect", "simulate_pilot")
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'effect' parameter of simulate_pilot must be a number. Got nan instead.
    """
    left, right = closed in ("both", "left"), closed in ("both", "right")
    if isinstance(value, Real) and not isinstance(value, bool):
        number = float(value)
        if (
            math.isfinite(number)
            and (low is None or (number >= low if left else number > low))
            and (high is None or (number <= high if right else number < high))
        ):
            return number
    raise parameter_error(name, fn, expected or "a number" + _range(low, high, closed), value)


def check_one_of(value: T, name: str, fn: str, choices: Collection[object]) -> T:
    """``value`` if it is one of ``choices``; the message lists them in their order.

    Examples
    --------
    >>> check_one_of("rice", "method", "prioritise", ("value_effort", "rice", "wsjf", "weighted"))
    'rice'
    >>> check_one_of("ice", "method", "prioritise", ("value_effort", "rice", "wsjf", "weighted"))
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'method' parameter of prioritise must be one of 'value_effort', 'rice', 'wsjf', 'weighted'. Got 'ice' instead.
    >>> check_one_of("room", "kind", "make_pack", ("participant", "facilitator"))
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'kind' parameter of make_pack must be 'participant' or 'facilitator'. Got 'room' instead.
    """
    listed = list(choices)
    try:
        ok = value in listed
    except (TypeError, ValueError):  # e.g. an array, whose == is element-wise
        ok = False
    if not ok:
        raise parameter_error(name, fn, _choices(listed), value if _scalar(value) else type(value))
    return value


def check_bool(value: object, name: str, fn: str) -> bool:
    """``value`` as a ``bool`` if it is ``True`` or ``False`` (a numpy bool too); 0, 1 and "yes" are refused.

    Examples
    --------
    >>> check_bool(False, "all_assumptions", "switching_values")
    False
    >>> check_bool("yes", "all_assumptions", "switching_values")
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'all_assumptions' parameter of switching_values must be True or False. Got 'yes' instead.
    """
    if not (isinstance(value, bool) or (_numpy_scalar(value) and type(value).__name__ in ("bool", "bool_"))):
        raise parameter_error(name, fn, "True or False", value if _scalar(value) else type(value))
    return bool(value)


def check_text(value: object, name: str, fn: str, *, pattern: str | None = None, expected: str = "a non-empty string") -> str:
    """``value`` if it is a string with more than white space in it (and, given ``pattern``, matching it whole).

    Parameters
    ----------
    value : object
    name, fn : str
        The parameter and the function, for the message (see :func:`parameter_error`).
    pattern : str, optional
        A regular expression the whole string must match (:func:`re.fullmatch`).
    expected : str, default "a non-empty string"
        What the message says the value must be.

    Returns
    -------
    str
        ``value`` as given (not stripped).

    Examples
    --------
    >>> check_text("Riverton", "organisation", "write_report")
    'Riverton'
    >>> check_text("pounds", "currency", "write_excel", pattern="[A-Z]{3}", expected="a three-letter ISO 4217 code such as GBP")
    Traceback (most recent call last):
    ...
    cxmethods.core.errors.CxmError: The 'currency' parameter of write_excel must be a three-letter ISO 4217 code such as GBP. Got 'pounds' instead.
    """
    if not isinstance(value, str) or not value.strip() or (pattern is not None and not re.fullmatch(pattern, value)):
        raise parameter_error(name, fn, expected, value if _scalar(value) else type(value))
    return value


def _show(got: object) -> str:
    if isinstance(got, type):
        return got.__name__
    if _numpy_scalar(got):
        return repr(got.item())  # type: ignore[attr-defined]  # -5, not np.int64(-5): numpy is not imported here
    return repr(got)


def _numpy_scalar(value: object) -> bool:
    # numpy is not imported here (core imports nothing heavy): its scalars are numpy.generic, with a 0-d shape.
    return type(value).__module__ == "numpy" and getattr(value, "shape", None) == () and hasattr(value, "item")


def _scalar(value: object) -> bool:
    """A value short enough to show in a message as it is."""
    return value is None or isinstance(value, (bool, int, float, complex, str, bytes)) or _numpy_scalar(value)


def _range(low: float | None, high: float | None, closed: str) -> str:
    left, right = closed in ("both", "left"), closed in ("both", "right")
    if low is not None and high is not None:
        return f" in {'[' if left else '('}{_number(low)}, {_number(high)}{']' if right else ')'}"
    if low is not None:
        return f" {'>=' if left else '>'} {_number(low)}"
    if high is not None:
        return f" {'<=' if right else '<'} {_number(high)}"
    return ""


def _number(x: float) -> str:
    return str(x) if isinstance(x, Integral) else f"{x:g}"


def _choices(choices: list[object]) -> str:
    shown = [repr(c) for c in choices]
    if len(shown) == 1:
        return shown[0]
    if len(shown) == 2:
        return f"{shown[0]} or {shown[1]}"
    return "one of " + ", ".join(shown)

"""Reading a contact log into DuckDB for :class:`~cxmethods.methods.contacts.ContactLog`: one pass over the file.

1. The file is read once into table ``_staged``: identifiers cleaned, times and numbers typed, customer ids hashed,
   categories kept as written. A column the file already types (a Parquet timestamp, a number) is taken as it is,
   where its text would be read back to the same value; only text is parsed.
2. The categories' few distinct values are recoded in Python by :func:`~cxmethods.io.values.coerce` itself, so
   ``cxm validate`` and the analysis read them alike.
3. Repeat contact: one sort of the log's keys (customer, time, contact) gives each contact its customer's previous
   contact, and a stable sort of that order by reason its previous one about the same reason
   (:func:`_repeat_flags`): the flags two SQL window passes used to give.
4. One copy writes table ``_rows``, the recoded fields with the flags beside them. The analyses read it through
   the views ``contacts`` (the fields mapped) and ``flags`` (with ``is_repeat`` and ``is_follow_up``).

What was cleaned or mixed is counted in table ``notes`` (``check_name``, ``rows``) for
:meth:`~cxmethods.methods.contacts.ContactLog.data_quality`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from cxmethods.core.config import InputFile
from cxmethods.core.errors import CxmError
from cxmethods.core.files import file_format
from cxmethods.core.schemas import INPUTS
from cxmethods.io.values import INVISIBLE, NOTES, OFFSET, SPACES, clean_labels, coerce

__all__ = ["id_salt", "load", "sql_literal"]

#: Kinds read through a mapping of their distinct values made by :func:`cxmethods.io.values.coerce` itself: few
#: distinct values, and the same cleaning (NFKC among it) the pandas reader applies.
_MAPPED_KINDS = ("channel", "bool", "category")
#: Column types taken as they are: the text of each value (what the reader parsed before) would be read back to the
#: same value. Not FLOAT (its text is the shortest for 32 bits, which is read back as another double), nor DECIMAL
#: or HUGEINT (converted otherwise than their text), nor times with a zone (their text carries an offset).
_INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"})
_NUMBERS = _INTEGERS | {"DOUBLE"}
_TIMES = frozenset({"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "DATE"})
_NANOSECONDS = "TIMESTAMP_NS"  # its text shows nine decimals, of which the reader kept six (not rounded)
#: A day in microseconds: the unit of the times sorted for repeat contact.
_DAY_US = 86_400_000_000


def id_salt(name: str, path: Path) -> str:
    """The salt customer ids are hashed with: from the engagement's name and the log file's size, first and last MiB.

    Per engagement and stable for the same log (so the same run gives the same results), yet unknown to anyone
    who has only the outputs: guessing an e-mail address and hashing it needs the raw export itself.
    """
    size = path.stat().st_size
    digest = hashlib.sha256(f"cxmethods:{name}:{size}:".encode())
    with path.open("rb") as fh:
        digest.update(fh.read(2**20))
        fh.seek(max(size - 2**20, 0))
        digest.update(fh.read(2**20))
    return digest.hexdigest()


def load(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: InputFile,
    salt: str,
    timezone: str | None = None,
    *,
    window_days: int,
    parallel: bool = True,
) -> list[str]:
    """Create table ``_rows`` and views ``contacts`` and ``flags`` (see the module's description); return the fields mapped.

    ``customer_id`` is replaced by a salted hash (the first 16 hex digits of its SHA-256) as it is loaded, so no
    analysis, table or notebook can show a raw customer reference (some exports use e-mail addresses or phone
    numbers). ``window_days`` is the repeat-contact window (``settings.voc.repeat_window_days``).
    """
    fields = INPUTS["contact_log"].fields
    con.execute(f"CREATE VIEW raw AS SELECT * FROM {_source(con, path, spec, parallel)}")
    types = {name: str(kind).upper() for name, kind, *_ in con.execute("DESCRIBE raw").fetchall()}
    mapping = {ours: spec.columns.get(ours, ours) for ours in fields}
    mapping = {ours: theirs for ours, theirs in mapping.items() if theirs in types}
    missing = [f for f in INPUTS["contact_log"].required if f not in mapping]
    if missing:
        raise CxmError(
            f"{path}: the contact log has no column for {', '.join(missing)}. "
            "Fix: map it under inputs.contact_log.columns (cxm validate lists every problem)."
        )
    recoded = [ours for ours in mapping if ours in spec.values or fields[ours].kind in _MAPPED_KINDS]
    staged, offsets, changed = _staged_columns(mapping, types, recoded, spec, salt, timezone)
    # the one pass over the file: the offsets written and the identifiers cleaned ride along as helper columns
    con.execute(f"CREATE TABLE _staged AS SELECT {', '.join(staged)} FROM raw")
    cleaned, mixed = NOTES
    notes = [(f"{ours}: {cleaned}", n) for ours, n in _recode(con, recoded, spec)]
    times = [ours for ours in mapping if fields[ours].kind in ("datetime", "date")]
    notes += [(f"{ours}: {mixed}", _mixed_offsets(con, ours) if ours in offsets else 0) for ours in times]
    ids = [ours for ours in mapping if fields[ours].kind == "id" and ours not in recoded]
    if ids:  # identifiers cleaned in SQL: how many changed (none in a column of whole numbers)
        counted = [o for o in ids if o in changed]
        found = dict(zip(counted, _counts(con, [f"_changed_{o}" for o in counted])))
        notes += [(f"{ours}: {cleaned}", found.get(ours, 0)) for ours in ids]
    con.execute("CREATE TABLE notes (check_name VARCHAR, rows BIGINT)")
    if notes:
        con.executemany("INSERT INTO notes VALUES (?, ?)", [[c, int(n)] for c, n in notes])
    _write_rows(con, list(mapping), recoded, salt, window_days)
    con.execute("DROP TABLE _staged")
    con.execute("DROP VIEW raw")
    return list(mapping)


def sql_literal(value: object) -> str:
    """A SQL string literal (views cannot take prepared parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


# --------------------------------------------------------------------------- reading the file once


def _source(con: duckdb.DuckDBPyConnection, path: Path, spec: InputFile, parallel: bool) -> str:
    """The table function reading the file (CSV as text throughout, Parquet as typed; Excel through pandas)."""
    fmt = file_format(path)
    if fmt == "csv":
        encoding = {
            "utf-8": "utf-8",
            "utf-8-sig": "utf-8",
            "latin-1": "latin-1",
            "iso-8859-1": "latin-1",
            "cp1252": "latin-1",
            "utf-16": "utf-16",
        }.get(spec.encoding.lower(), spec.encoding)
        return (
            f"read_csv({sql_literal(path)}, header = true, all_varchar = true, delim = {sql_literal(spec.delimiter)}, "
            f"skip = {spec.header_row - 1}, encoding = {sql_literal(encoding)}, quote = '\"', escape = '\"', null_padding = true"
            f"{'' if parallel else ', parallel = false'})"
        )
    if fmt == "parquet":
        return f"read_parquet({sql_literal(path)})"
    frame = pd.read_excel(path, sheet_name=spec.sheet or 0, header=spec.header_row - 1, dtype=str)
    con.register("excel_source", frame)
    return "excel_source"


def _staged_columns(
    mapping: dict[str, str], types: dict[str, str], recoded: list[str], spec: InputFile, salt: str, timezone: str | None
) -> tuple[list[str], set[str], set[str]]:
    """The SELECT list of table ``_staged``; the fields with an offset helper column, and with a cleaned-id one.

    Each field is read as :mod:`cxmethods.io.values` reads its text (``trim``med, empty = no value); a typed column
    whose text would be read back to the same value is taken as it is (:data:`_NUMBERS`, :data:`_TIMES`). Recoded
    fields are kept as written (``_raw_<field>``, as text), for :func:`_recode`."""
    fields = INPUTS["contact_log"].fields
    select, offsets, changed = [], set(), set()
    for ours, theirs in mapping.items():
        quoted = f'"{theirs.replace(chr(34), chr(34) * 2)}"'
        column = f"trim(CAST({quoted} AS VARCHAR))"
        kind, typed = fields[ours].kind, types[theirs]
        if ours in recoded:
            select.append(f"{quoted if typed == 'VARCHAR' else f'CAST({quoted} AS VARCHAR)'} AS _raw_{ours}")
        elif kind == "id" and typed in _INTEGERS:  # digits and a sign: nothing to clean
            value = f"CAST({quoted} AS VARCHAR)"
            select.append(f"{_hashed(value, salt) if ours == 'customer_id' else value} AS {ours}")
        elif ours == "customer_id":
            select.append(f"{_hashed(f'nullif({_sql_id(column)}, {chr(39) * 2})', salt)} AS {ours}")
        elif kind in ("datetime", "date") and (typed in _TIMES or typed == _NANOSECONDS):
            select.append(f"{_typed_times(quoted, typed, kind, spec)} AS {ours}")
        elif kind in ("datetime", "date"):
            value, offset = _sql_times(column, kind, spec, timezone)
            select += [f"{value} AS {ours}", f"{offset} AS _offset_{ours}"]
            offsets.add(ours)
        elif kind == "number" and typed in _NUMBERS:
            number = f"CAST({quoted} AS DOUBLE)"
            select.append(f"CASE WHEN isfinite({number}) AND {number} >= 0 THEN {number} END AS {ours}")
        else:
            select.append(f"{_sql_value(column, kind, spec)} AS {ours}")
        if kind == "id" and ours not in recoded and typed not in _INTEGERS:
            select.append(f"{_sql_id_changed(column)} AS _changed_{ours}")
            changed.add(ours)
    return select, offsets, changed


def _hashed(value: str, salt: str) -> str:
    """SQL: the pseudonym of a customer id (NULL stays NULL)."""
    return f"left(sha256({sql_literal(salt)} || {value}), 16)"


def _typed_times(quoted: str, typed: str, kind: str, spec: InputFile) -> str:
    """SQL for a time column the file types, as :func:`_sql_times` reads its text (which carries no offset): the
    value itself, or where ``date_format`` reads the text, that reading."""
    if typed == _NANOSECONDS:  # the text's first six decimals: down to the microsecond, before 1970 too
        ns = f"epoch_ns({quoted})"
        value = f"make_timestamp(({ns} - ((({ns} % 1000) + 1000) % 1000)) // 1000)"
    else:
        value = f"CAST({quoted} AS TIMESTAMP)"
    if spec.date_format:
        own = spec.date_format.replace("%z", "").replace("%Z", "").strip()  # the column's text has no offset
        value = f"coalesce(try_strptime(CAST({quoted} AS VARCHAR), {sql_literal(own)}), {value})"
    value = f"CAST({value} AS TIMESTAMP)"
    return f"date_trunc('day', {value})" if kind == "date" else value


def _sql_id(column: str) -> str:
    """SQL cleaning an identifier as :func:`cxmethods.io.values.clean_labels` does with ``forms=False``; the
    replacing runs only where :func:`_sql_id_changed` finds something to clean (most ids have nothing)."""
    gone = f"regexp_replace({column}, '[{INVISIBLE}]', '', 'g')"
    return (
        f"CASE WHEN {_sql_id_changed(column)} THEN trim(regexp_replace({gone}, '[{SPACES}]+', ' ', 'g'), ' ') ELSE {column} END"
    )


def _sql_id_changed(column: str) -> str:
    """SQL: whether :func:`_sql_id` changes a (trimmed) identifier: an invisible character, a space other than the
    plain one, or two spaces in a row."""
    return f"regexp_matches({column}, '[{INVISIBLE}{SPACES.replace(' ', '')}]|  ')"


def _sql_times(column: str, kind: str, spec: InputFile, timezone: str | None) -> tuple[str, str]:
    """SQL for a time read by :func:`cxmethods.io.values.parse_times`' rule, and for its offset in minutes east of
    UTC (NULL where none is written)."""
    text = f"nullif({column}, '')"
    pattern = sql_literal(OFFSET)
    # an offset (Z, +01:00, -0500, +01) ends the text, so its last six characters hold a Z, + or -: only such
    # texts are searched (most logs write none)
    maybe = f"(right({text}, 1) = 'Z' OR contains(right({text}, 6), '+') OR contains(right({text}, 6), '-'))"
    written = f"CASE WHEN {maybe} THEN regexp_extract({text}, {pattern}, 2) ELSE '' END"
    local = f"CASE WHEN {written} <> '' THEN regexp_extract({text}, {pattern}, 1) ELSE {text} END"
    digits = f"replace(substr({written}, 2), ':', '')"
    offset = (
        f"CASE WHEN {written} = '' THEN NULL WHEN {written} = 'Z' THEN 0 "
        f"ELSE (CASE WHEN left({written}, 1) = '-' THEN -1 ELSE 1 END) * (CAST(substr({digits}, 1, 2) AS INTEGER) * 60 "
        f"+ coalesce(try_cast(nullif(substr({digits}, 3, 2), '') AS INTEGER), 0)) END"
    )
    iso = f"try_cast(replace({local}, 'T', ' ') AS TIMESTAMP)"
    value = iso
    if spec.date_format:
        own = spec.date_format.replace("%z", "").replace("%Z", "").strip()
        if own != spec.date_format:
            value = f"coalesce(try_strptime(trim({local}), {sql_literal(own)}), {iso})"
        else:
            value = f"coalesce(try_strptime({text}, {sql_literal(spec.date_format)}), {iso})"
    if timezone is not None:
        # the clock time written, less its offset, is UTC; shown as the engagement's zone's clock time
        utc = f"(CAST({value} AS TIMESTAMP) - to_minutes(CAST({offset} AS BIGINT)))"
        value = f"CASE WHEN {offset} IS NULL THEN {value} ELSE timezone({sql_literal(timezone)}, timezone('UTC', {utc})) END"
    value = f"CAST({value} AS TIMESTAMP)"
    return (f"date_trunc('day', {value})" if kind == "date" else value), offset


def _sql_value(column: str, kind: str, spec: InputFile) -> str:
    """SQL turning one text column into a typed value, NULL where it cannot be read (as cxmethods.io.values does)."""
    text = f"nullif({column}, '')"
    if kind == "id":
        return f"nullif({_sql_id(column)}, '')"
    if kind == "number":
        source = f"replace({text}, ',', '.')" if spec.decimal == "," else text
        number = f"try_cast({source} AS DOUBLE)"
        return f"CASE WHEN isfinite({number}) AND {number} >= 0 THEN {number} END"
    return text


def _mixed_offsets(con: duckdb.DuckDBPyConnection, ours: str) -> int:
    """Readable times whose offset differs from the column's most common one (as :func:`cxmethods.io.values.mixed_offsets`,
    over the whole log), from the helper column ``_offset_<field>`` of table ``_staged``."""
    found = con.execute(
        f"SELECT coalesce(CAST(_offset_{ours} AS VARCHAR), 'none') AS o, count(*) AS n FROM _staged "
        f"WHERE {ours} IS NOT NULL GROUP BY 1"
    ).fetchall()
    if len(found) < 2:
        return 0
    return int(sum(n for _, n in found) - max(n for _, n in found))


def _counts(con: duckdb.DuckDBPyConnection, flags: list[str]) -> list[int]:
    """How many rows of ``_staged`` have each boolean helper column true, in one scan."""
    if not flags:
        return []
    found = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {f})" for f in flags) + " FROM _staged").fetchall()[0]
    return [int(n) for n in found]


# --------------------------------------------------------------------------- categories


def _recode(con: duckdb.DuckDBPyConnection, recoded: list[str], spec: InputFile) -> list[tuple[str, int]]:
    """Map each recoded field's distinct values as written to ours (table ``<field>_map``: ``raw``, ``value``,
    ``code``, a number per value); return how many rows of each hold a value cleaning changed (invisible
    characters, look-alike forms). The distinct values of all of them come from one scan (grouping sets)."""
    if not recoded:
        return []
    keys = [f"_raw_{ours}" for ours in recoded]
    found = con.execute(
        f"SELECT *, {', '.join(f'trim({k}) AS t{i}' for i, k in enumerate(keys))} FROM (SELECT {', '.join(keys)}, "
        f"{', '.join(f'grouping({k}) AS g{i}' for i, k in enumerate(keys))}, count(*) AS n "
        f"FROM _staged GROUP BY GROUPING SETS ({', '.join(f'({k})' for k in keys)}))"
    ).df()
    counts = []
    fields = INPUTS["contact_log"].fields
    for i, (ours, key) in enumerate(zip(recoded, keys)):
        # grouping(k) is 0 on the rows of k's own set, where a missing value is a real one
        distinct = found.loc[found[f"g{i}"] == 0, [key, f"t{i}", "n"]].reset_index(drop=True)
        raw = distinct[key].astype(object).where(distinct[key].notna(), None)
        text = distinct[f"t{i}"].astype("string").fillna("")
        counts.append((ours, int(distinct["n"][(clean_labels(text) != text).to_numpy()].sum())))
        if ours in spec.values:
            text = text.replace({k: ("" if v is None else v) for k, v in spec.values[ours].items()})
        value, _ = coerce(text, fields[ours].kind, spec)
        codes, _ = pd.factorize(value)  # -1 for no value
        table = pd.DataFrame({"raw": raw, "value": value.astype(object).where(value.notna(), None), "code": codes + 1})
        con.register(f"{ours}_map_df", table)
        con.execute(f"CREATE TABLE {ours}_map AS SELECT CAST(raw AS VARCHAR) AS raw, value, code FROM {ours}_map_df")
        con.unregister(f"{ours}_map_df")
    return counts


# --------------------------------------------------------------------------- repeat contact and the table


def _write_rows(con: duckdb.DuckDBPyConnection, fields: list[str], recoded: list[str], salt: str, window_days: int) -> None:
    """Write table ``_rows`` from ``_staged``: the fields recoded, ``is_repeat`` and ``is_follow_up``; create the
    views ``contacts`` and ``flags`` on it."""

    def value(ours: str) -> str:
        if ours not in recoded:
            return f"s.{ours}"
        mapped = f"{ours}_map.value"
        return _hashed(mapped, salt) if ours == "customer_id" else mapped

    def joins(names: list[str]) -> str:
        return " ".join(f"LEFT JOIN {o}_map ON {o}_map.raw = s._raw_{o}" for o in names if o in recoded)

    select = ", ".join(f"{value(ours)} AS {ours}" for ours in fields)
    if "customer_id" not in fields:
        con.execute(
            f"CREATE TABLE _rows AS SELECT {select}, false AS is_repeat, false AS is_follow_up FROM _staged s {joins(fields)}"
        )
    else:
        rows = int(con.execute("SELECT count(*) FROM _staged").fetchall()[0][0])
        keys = ["reason", "customer_id", "created_at", "contact_id"]
        code = "reason_map.code" if "reason" in recoded else "hash(s.reason)"  # reason is a category: always recoded
        # the customer's pseudonym is 16 hex digits: the same customer, the same 64-bit number
        codes = (
            int(con.execute("SELECT coalesce(max(code), 0) FROM reason_map").fetchall()[0][0]) if "reason" in recoded else 2**32
        )
        found = con.execute(f"""
            SELECT CAST(s.rowid AS {"UINTEGER" if rows < 2**32 else "BIGINT"}) AS rid,
                   CAST(coalesce({code}, 0) AS {"USMALLINT" if codes < 2**16 else "UBIGINT"}) AS code,
                   CAST('0x' || {value("customer_id")} AS UBIGINT) AS customer, epoch_us({value("created_at")}) AS t
            FROM _staged s {joins(keys)}
            WHERE {value("customer_id")} IS NOT NULL AND isfinite({value("created_at")})
            ORDER BY customer, {value("created_at")}, {value("contact_id")}""").fetchnumpy()
        flags = _repeat_flags(rows, window_days, {k: np.asarray(found.pop(k)) for k in list(found)})
        con.register("_flags_df", flags)
        positional = f"SELECT {select}, f.is_repeat, f.is_follow_up, s.rowid = f.rid AS _aligned FROM _staged s POSITIONAL JOIN _flags_df f"
        # the optimizer takes the positional join for a few rows and would build its hash tables from the log
        # rather than from the small maps (seven times the time, and gigabytes): it keeps the maps on that side
        with _optimizer_off(con, "build_side_probe_side"):
            con.execute(f"CREATE TABLE _rows AS {positional} {joins(fields)}")
        if con.execute("SELECT count(*) FROM _rows WHERE NOT _aligned").fetchall()[0][0]:  # never seen: by row id then
            con.execute("DROP TABLE _rows")
            by_id = positional.replace("POSITIONAL JOIN _flags_df f", "JOIN _flags_df f ON f.rid = s.rowid")
            con.execute(f"CREATE TABLE _rows AS {by_id} {joins(fields)}")
        con.unregister("_flags_df")
    con.execute(f"CREATE VIEW contacts AS SELECT {', '.join(fields)} FROM _rows")
    # what repeat contact, failure demand, the baseline by channel and reason, the areas and the cube read
    beside = [
        f if f in fields else f"NULL AS {f}"
        for f in ("resolved_first_contact", "service", "handling_minutes", "area", "created_at")
    ]
    con.execute(f"CREATE VIEW flags AS SELECT reason, channel, {', '.join(beside)}, is_repeat, is_follow_up FROM _rows")


@contextmanager
def _optimizer_off(con: duckdb.DuckDBPyConnection, name: str) -> Iterator[None]:
    """One of DuckDB's optimizers switched off for a statement (if this DuckDB has it: else only slower)."""
    try:
        con.execute(f"SET disabled_optimizers = {sql_literal(name)}")
    except duckdb.Error:
        yield
        return
    try:
        yield
    finally:
        con.execute("RESET disabled_optimizers")


def _repeat_flags(rows: int, window_days: int, keys: dict[str, np.ndarray]) -> pd.DataFrame:
    """Each row's repeat-contact flags, by row id (``rid``, ``is_repeat``, ``is_follow_up``, ``rows`` long).

    ``keys`` holds the contacts with a customer and a readable time, sorted by customer, time and contact id:
    ``rid`` (row id), ``code`` (a number per reason), ``customer`` (a number per customer) and ``t`` (the time in
    microseconds); they are taken out of it as they are used, to free their memory. A contact follows up its
    customer's previous one (the row before, same customer) made within ``window_days``; it repeats when the
    customer's previous contact about the same reason was within the window: the same order, sorted again by
    reason alone and stably, puts that contact just before it. What ``lag(created_at) OVER (PARTITION BY
    customer_id[, reason] ORDER BY created_at, contact_id)`` within the window gives, from one sort.

    Rows 3, 0 and 1 are one customer's, on days 0, 1 and 7, about reasons 1, 2 and 1; row 2 another's:

    >>> keys = {"rid": np.array([3, 0, 1, 2]), "code": np.array([1, 2, 1, 1], dtype=np.uint16),
    ...         "customer": np.array([5, 5, 5, 9], dtype=np.uint64), "t": np.array([0, 1, 7, 8]) * _DAY_US}
    >>> flags = _repeat_flags(4, 7, keys)
    >>> flags["is_follow_up"].tolist(), flags["is_repeat"].tolist()
    ([True, True, False, False], [False, True, False, False])
    """
    window = np.uint64(window_days * _DAY_US)
    rid, customer = keys.pop("rid"), keys.pop("customer")
    n = len(rid)
    # the customer as a running number (sorted by customer: a new one wherever it changes)
    person = np.zeros(n, np.int32 if n < 2**31 else np.int64)
    np.cumsum(customer[1:] != customer[:-1], out=person[1:])
    del customer
    # as unsigned, a later time less an earlier one is exact even where the signed difference would overflow
    t = keys.pop("t").view(np.uint64)
    follow = np.zeros(n, bool)
    follow[1:] = (person[1:] == person[:-1]) & (t[1:] - t[:-1] <= window)
    is_follow_up = np.zeros(rows, bool)
    is_follow_up[rid] = follow
    del follow
    code = keys.pop("code")
    order = np.argsort(code, kind="stable")  # a radix sort for 16-bit codes
    same = np.zeros(n, bool)
    person = person[order]
    same[1:] = person[1:] == person[:-1]
    del person
    code = code[order]
    same[1:] &= code[1:] == code[:-1]
    del code
    t = t[order]
    same[1:] &= t[1:] - t[:-1] <= window
    del t
    is_repeat = np.zeros(rows, bool)
    is_repeat[rid[order]] = same
    index = np.arange(rows, dtype=np.int32 if rows < 2**31 else np.int64)
    return pd.DataFrame({"rid": index, "is_repeat": is_repeat, "is_follow_up": is_follow_up})

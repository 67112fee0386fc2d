"""Reading a contact log into DuckDB for :class:`~cxmethods.methods.contacts.ContactLog`: one pass writes the table.

1. The categories' few distinct values are read first (one scan of those columns) and recoded in Python by
   :func:`~cxmethods.io.values.coerce` itself, so ``cxm validate`` and the analysis read them alike.
2. One pass over the file writes table ``_rows``: identifiers cleaned, times and numbers typed, customer ids
   hashed to a 64-bit pseudonym, categories recoded through those maps and stored as DuckDB enums (a byte or two a
   row instead of the text: ten million rows stay in memory, where text spilled to disk). A column the file
   already types (a Parquet timestamp, a number) is taken as it is, where its text would be read back to the same
   value; only text is parsed.
3. Repeat contact: one sort of the log's keys (customer, time, contact) gives each contact its customer's previous
   contact, and a stable sort of that order by reason its previous one about the same reason
   (:func:`_repeat_flags`): the flags two SQL window passes used to give, written into ``_rows`` by row id (only
   the rows flagged: a few in a hundred).
4. The analyses read the views ``contacts`` (the fields mapped, categories as text, the customer's pseudonym as
   16 hex digits, and as its number ``_customer``), ``flagged`` (the same with ``is_repeat`` and ``is_follow_up``) and ``flags`` (what repeat
   contact, failure demand and the baselines read).

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
    """Create table ``_rows`` and views ``contacts``, ``flagged`` and ``flags`` (see the module's
    description); return the fields mapped.

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
    written = {ours: _as_text(mapping[ours], types[mapping[ours]]) for ours in recoded}
    cleaned, mixed = NOTES
    counts, enums = _recode(con, written, spec)
    notes = [(f"{ours}: {cleaned}", n) for ours, n in counts]
    columns, offsets, changed = _columns(mapping, types, recoded, spec, salt, timezone)
    # the one pass over the file: categories through their maps; the offsets written and the identifiers cleaned
    # ride along as helper columns
    joins = " ".join(f"LEFT JOIN {o}_map ON {o}_map.raw = {written[o]}" for o in recoded)
    # each small map is the side the join builds its hash table from, whatever the optimizer estimates of the file
    with _optimizer_off(con, "build_side_probe_side"):
        con.execute(f"CREATE TABLE _rows AS SELECT {', '.join(columns)} FROM raw {joins}")
    con.execute("DROP VIEW raw")
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
    _flag_repeats(con, "customer_id" in mapping, window_days)
    _views(con, list(mapping), enums)
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


def _as_text(theirs: str, typed: str) -> str:
    """SQL: a recoded field's value as written (text), the key of its map."""
    quoted = _quoted(theirs)
    return quoted if typed == "VARCHAR" else f"CAST({quoted} AS VARCHAR)"


def _quoted(theirs: str) -> str:
    return f'"{theirs.replace(chr(34), chr(34) * 2)}"'


def _columns(
    mapping: dict[str, str], types: dict[str, str], recoded: list[str], spec: InputFile, salt: str, timezone: str | None
) -> tuple[list[str], set[str], set[str]]:
    """The SELECT list of table ``_rows``; the fields with an offset helper column, and with a cleaned-id one.

    Each field is read as :mod:`cxmethods.io.values` reads its text (``trim``med, empty = no value); a typed column
    whose text would be read back to the same value is taken as it is (:data:`_NUMBERS`, :data:`_TIMES`). A recoded
    field is its map's value (the map joined on the value as written); ``reason`` also keeps its map's code
    (``_reason_code``, a number per reason, for repeat contact). The customer is ``_customer``, the pseudonym as a
    64-bit number."""
    fields = INPUTS["contact_log"].fields
    select, offsets, changed = [], set(), set()
    for ours, theirs in mapping.items():
        quoted = _quoted(theirs)
        column = f"trim(CAST({quoted} AS VARCHAR))"
        kind, typed = fields[ours].kind, types[theirs]
        if ours == "customer_id" and ours in recoded:
            select.append(f"{_pseudonym(f'{ours}_map.value', salt)} AS _customer")
        elif ours in recoded:
            select.append(f"{ours}_map.value AS {ours}")
            if ours == "reason":
                select.append("reason_map.code AS _reason_code")
        elif kind == "id" and typed in _INTEGERS:  # digits and a sign: nothing to clean
            value = f"CAST({quoted} AS VARCHAR)"
            select.append(f"{_pseudonym(value, salt)} AS _customer" if ours == "customer_id" else f"{value} AS {ours}")
        elif ours == "customer_id":
            select.append(f"{_pseudonym(f'nullif({_sql_id(column)}, {chr(39) * 2})', salt)} AS _customer")
        elif kind in ("datetime", "date") and (typed in _TIMES or typed == _NANOSECONDS):
            select.append(f"{_typed_times(quoted, typed, kind, spec)} AS {ours}")
        elif kind in ("datetime", "date"):
            value, offset = _sql_times(f"CAST({quoted} AS VARCHAR)", kind, spec, timezone)
            select += [f"{value} AS {ours}", f"CAST({offset} AS SMALLINT) AS _offset_{ours}"]
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


def _pseudonym(value: str, salt: str) -> str:
    """SQL: the pseudonym of a customer id, the first 16 hex digits of its salted SHA-256, as the number they write
    (8 bytes a row, not 32; NULL stays NULL)."""
    return f"CAST('0x' || left(sha256({sql_literal(salt)} || {value}), 16) AS UBIGINT)"


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


def _sql_times(written_as: str, kind: str, spec: InputFile, timezone: str | None) -> tuple[str, str]:
    """SQL for a time read by :func:`cxmethods.io.values.parse_times`' rule from its text (``written_as``), and for
    its offset in minutes east of UTC (NULL where none is written)."""
    text = f"nullif(trim({written_as}), '')"
    pattern = sql_literal(OFFSET)
    # an offset (Z, +01:00, -0500, +01) ends the text: only texts ending so are searched, and the rest (most logs
    # write no offset) read the short way, untrimmed (DuckDB's own reading passes over spaces around a time)
    maybe = f"regexp_matches({written_as}, '[Z+-][0-9:]{{0,5}} *$')"
    written = f"regexp_extract({text}, {pattern}, 2)"
    local = f"CASE WHEN {written} <> '' THEN regexp_extract({text}, {pattern}, 1) ELSE {text} END"
    digits = f"replace(substr({written}, 2), ':', '')"
    offset = (
        f"CASE WHEN {written} = '' THEN NULL WHEN {written} = 'Z' THEN 0 "
        f"ELSE (CASE WHEN left({written}, 1) = '-' THEN -1 ELSE 1 END) * (CAST(substr({digits}, 1, 2) AS INTEGER) * 60 "
        f"+ coalesce(try_cast(nullif(substr({digits}, 3, 2), '') AS INTEGER), 0)) END"
    )

    def read(local: str, offset: str | None) -> str:
        iso = f"try_cast(replace({local}, 'T', ' ') AS TIMESTAMP)"
        value = iso
        if spec.date_format:
            own = spec.date_format.replace("%z", "").replace("%Z", "").strip()
            if own != spec.date_format:
                value = f"coalesce(try_strptime(trim({local}), {sql_literal(own)}), {iso})"
            else:
                value = f"coalesce(try_strptime({text}, {sql_literal(spec.date_format)}), {iso})"
        if timezone is not None and offset is not None:
            # the clock time written, less its offset, is UTC; shown as the engagement's zone's clock time
            utc = f"(CAST({value} AS TIMESTAMP) - to_minutes(CAST({offset} AS BIGINT)))"
            value = f"CASE WHEN {offset} IS NULL THEN {value} ELSE timezone({sql_literal(timezone)}, timezone('UTC', {utc})) END"
        return f"CAST({value} AS TIMESTAMP)"

    value = f"CASE WHEN {maybe} THEN {read(local, offset)} ELSE {read(text if spec.date_format else written_as, None)} END"
    return (f"date_trunc('day', {value})" if kind == "date" else value), f"CASE WHEN {maybe} THEN {offset} END"


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
    over the whole log), from the helper column ``_offset_<field>`` of table ``_rows``."""
    found = con.execute(
        f"SELECT coalesce(CAST(_offset_{ours} AS VARCHAR), 'none') AS o, count(*) AS n FROM _rows "
        f"WHERE {ours} IS NOT NULL GROUP BY 1"
    ).fetchall()
    if len(found) < 2:
        return 0
    return int(sum(n for _, n in found) - max(n for _, n in found))


def _counts(con: duckdb.DuckDBPyConnection, flags: list[str]) -> list[int]:
    """How many rows of ``_rows`` have each boolean helper column true, in one scan."""
    if not flags:
        return []
    found = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {f})" for f in flags) + " FROM _rows").fetchall()[0]
    return [int(n) for n in found]


# --------------------------------------------------------------------------- categories


def _recode(con: duckdb.DuckDBPyConnection, written: dict[str, str], spec: InputFile) -> tuple[list[tuple[str, int]], set[str]]:
    """Map each recoded field's distinct values as written (``written``: the field's text in view ``raw``) to ours
    (table ``<field>_map``: ``raw``, ``value``, ``code``, a number per value); return how many rows of each hold a
    value cleaning changed (invisible characters, look-alike forms), and the fields whose values are text, which
    the map gives as an enum (type ``_<field>_values``, its values in sorted order). The distinct values of all of
    them come from one scan of their columns (grouping sets)."""
    if not written:
        return [], set()
    keys = [f"k{i}" for i in range(len(written))]
    found = con.execute(
        f"SELECT *, {', '.join(f'trim({k}) AS t{i}' for i, k in enumerate(keys))} FROM (SELECT {', '.join(keys)}, "
        f"{', '.join(f'grouping({k}) AS g{i}' for i, k in enumerate(keys))}, count(*) AS n "
        f"FROM (SELECT {', '.join(f'{text} AS {k}' for text, k in zip(written.values(), keys))} FROM raw) "
        f"GROUP BY GROUPING SETS ({', '.join(f'({k})' for k in keys)}))"
    ).df()
    counts, enums = [], set()
    fields = INPUTS["contact_log"].fields
    for i, (ours, key) in enumerate(zip(written, keys)):
        # grouping(k) is 0 on the rows of k's own set, where a missing value is a real one
        distinct = found.loc[found[f"g{i}"] == 0, [key, f"t{i}", "n"]].reset_index(drop=True)
        raw = distinct[key].astype(object).where(distinct[key].notna(), None)
        text = distinct[f"t{i}"].astype("string").fillna("")
        counts.append((ours, int(distinct["n"][(clean_labels(text) != text).to_numpy()].sum())))
        if ours in spec.values:
            text = text.replace({k: ("" if v is None else v) for k, v in spec.values[ours].items()})
        value, _ = coerce(text, fields[ours].kind, spec)
        codes, _ = pd.factorize(value)  # -1 for no value
        value = value.astype(object).where(value.notna(), None)
        table = pd.DataFrame({"raw": raw, "value": value, "code": codes + 1})
        con.register(f"{ours}_map_df", table)
        given = [v for v in value if v is not None]
        if given and all(isinstance(v, str) for v in given):
            con.execute(
                f"CREATE TYPE _{ours}_values AS ENUM (SELECT DISTINCT value FROM {ours}_map_df WHERE value IS NOT NULL ORDER BY value)"
            )
            enums.add(ours)
        typed = f"CAST(value AS _{ours}_values)" if ours in enums else "value"
        con.execute(f"CREATE TABLE {ours}_map AS SELECT CAST(raw AS VARCHAR) AS raw, {typed} AS value, code FROM {ours}_map_df")
        con.unregister(f"{ours}_map_df")
    return counts, enums


# --------------------------------------------------------------------------- repeat contact and the views


def _flag_repeats(con: duckdb.DuckDBPyConnection, customers: bool, window_days: int) -> None:
    """Add columns ``is_repeat`` and ``is_follow_up`` to table ``_rows`` (false without customer ids)."""
    con.execute("ALTER TABLE _rows ADD COLUMN is_repeat BOOLEAN DEFAULT false")
    con.execute("ALTER TABLE _rows ADD COLUMN is_follow_up BOOLEAN DEFAULT false")
    if not customers:
        return
    rows = int(con.execute("SELECT count(*) FROM _rows").fetchall()[0][0])
    codes = int(con.execute("SELECT coalesce(max(code), 0) FROM reason_map").fetchall()[0][0])
    found = con.execute(f"""
        SELECT CAST(rowid AS {"UINTEGER" if rows < 2**32 else "BIGINT"}) AS rid,
               CAST(coalesce(_reason_code, 0) AS {"USMALLINT" if codes < 2**16 else "UBIGINT"}) AS code,
               _customer AS customer, epoch_us(created_at) AS t
        FROM _rows WHERE _customer IS NOT NULL AND isfinite(created_at)
        ORDER BY _customer, created_at""").fetchnumpy()
    keys = {k: np.asarray(found.pop(k)) for k in list(found)}
    _ties_by_contact_id(con, keys)
    flags = _repeat_flags(rows, window_days, keys)
    # only the rows flagged are written (a few in a hundred), by row id
    con.register("_flags_df", flags[flags["is_repeat"] | flags["is_follow_up"]])
    try:
        con.execute(
            "UPDATE _rows SET is_repeat = f.is_repeat, is_follow_up = f.is_follow_up FROM _flags_df f WHERE f.rid = _rows.rowid"
        )
    finally:
        con.unregister("_flags_df")


def _ties_by_contact_id(con: duckdb.DuckDBPyConnection, keys: dict[str, np.ndarray]) -> None:
    """Put contacts of one customer at the same time in the order of their contact ids (no id last), in place.

    ``keys`` is sorted by customer and time only: sorting ten million rows by the contact id's text as well took
    about twice as long, and such ties are few (many where a log records only the day)."""
    customer, t = keys["customer"], keys["t"]
    same = (customer[1:] == customer[:-1]) & (t[1:] == t[:-1])  # same[i]: row i + 1 ties with row i
    if not same.any():
        return
    tied = np.zeros(len(t), bool)
    tied[1:] |= same
    tied[:-1] |= same
    at = np.flatnonzero(tied)
    starts = np.ones(len(at), bool)
    starts[1:] = ~same[at[1:] - 1]
    group = np.cumsum(starts)
    con.register("_tied_df", pd.DataFrame({"rid": keys["rid"][at]}))
    try:
        found = con.execute("SELECT t.rid, r.contact_id FROM _tied_df t JOIN _rows r ON r.rowid = t.rid").df()
    finally:
        con.unregister("_tied_df")
    ids = found.set_index("rid")["contact_id"].reindex(keys["rid"][at])
    # a rank in the text's own order (Python compares code points, as DuckDB compares UTF-8 bytes); no id last
    rank, _ = pd.factorize(ids, sort=True)
    rank = np.where(rank < 0, len(at), rank)
    order = at[np.lexsort((rank, group))]
    for values in keys.values():
        values[at] = values[order]


def _views(con: duckdb.DuckDBPyConnection, fields: list[str], enums: set[str]) -> None:
    """Views ``contacts`` (the fields as the analyses read them), ``flagged`` (with the repeat flags) and ``flags``."""

    def shown(ours: str) -> str:
        if ours == "customer_id":
            return "printf('%016x', _customer) AS customer_id"
        return f"CAST({ours} AS VARCHAR) AS {ours}" if ours in enums else ours

    select = ", ".join(shown(ours) for ours in fields)
    # ``_customer`` too: whether a customer is known, without writing every pseudonym out
    customer = ", _customer" if "customer_id" in fields else ""
    con.execute(f"CREATE VIEW contacts AS SELECT {select}{customer} FROM _rows")
    con.execute(f"CREATE VIEW flagged AS SELECT {select}, is_repeat, is_follow_up FROM _rows")
    # what repeat contact, failure demand, the baseline by channel and reason, the areas and the cube read
    beside = [
        f if f in fields else f"NULL AS {f}"
        for f in ("resolved_first_contact", "service", "handling_minutes", "area", "created_at")
    ]
    con.execute(f"CREATE VIEW flags AS SELECT reason, channel, {', '.join(beside)}, is_repeat, is_follow_up FROM flagged")


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

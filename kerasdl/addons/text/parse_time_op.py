"""tfa.text.parse_time: strings to Unix time by an absl/strptime format, in TensorFlow's
string ops."""

from __future__ import annotations

import dataclasses

import tensorflow as tf

_UNITS = {"SECOND": 1, "MILLISECOND": 10**3, "MICROSECOND": 10**6, "NANOSECOND": 10**9}
_FEMTOS = 10**15
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)

# C's isspace(): RE2's \s lacks the vertical tab.
_WS = r"[\t\n\v\f\r ]"
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_WEEKDAYS = "sunday monday tuesday wednesday thursday friday saturday".split()


class ParseTimeError(tf.errors.InvalidArgumentError, ValueError):
    """A format or output unit `parse_time` cannot use: an `InvalidArgumentError`, as tfa's
    kernel raises, and a `ValueError`."""

    def __init__(self, message: str):
        super().__init__(None, None, message)


@dataclasses.dataclass
class _Element:
    """One step of the parse: `regex` must match at the start of what is left; its groups
    are read as `fields` (by `_assign`)."""

    regex: str
    fields: tuple[str, ...] = ()


def _names(names):
    # Full names before their abbreviations: the longest match, as glibc's strptime.
    return "|".join(names + [n[:3] for n in names])


# Directives absl's cctz parses itself (its rules: `%Y` takes every digit, two-digit
# fields take at most two, a leading '-' is a sign, no whitespace is skipped) and the
# strptime ones it hands to glibc (whose numbers skip leading whitespace and stop at a
# digit that would pass the field's maximum). Fields ending in "_c" are glibc's readings,
# checked against the same ranges.
_OFFSET_COLON = r"(?:([+-])(\d\d)(?::?([0-5]\d)(?::?([0-5]\d))?)?|([Zz]))"
_OFFSET_PLAIN = r"(?:([+-])(\d\d)(?:([0-5]\d)([0-5]\d)?)?|([Zz]))"
_OFFSET_FIELDS = ("offset_sign", "offset_hours", "offset_minutes", "offset_seconds", "zulu")
_DIRECTIVES = {
    "Y": _Element(r"(-?\d+)", ("year",)),
    "E4Y": _Element(r"(-\d{3}|\d{4})", ("year",)),
    "m": _Element(r"(\d{1,2})", ("month",)),
    "d": _Element(r"(\d{1,2})", ("day",)),
    "e": _Element(r"(\d{1,2})", ("day",)),
    "F": _Element(r"(-?\d+)-(\d{1,2})-(\d{1,2})", ("year", "month", "day")),
    "H": _Element(r"(\d{1,2})", ("hour",)),
    "M": _Element(r"(\d{1,2})", ("minute",)),
    "S": _Element(r"(\d{1,2})", ("second",)),
    "T": _Element(r"(\d{1,2}):(\d{1,2}):(\d{1,2})", ("hour", "minute", "second")),
    "E*S": _Element(r"(\d{1,2})(\.\d*)?", ("second", "dot_fraction")),
    "E*f": _Element(r"(\d*)", ("fraction",)),
    "z": _Element(_OFFSET_PLAIN, _OFFSET_FIELDS),
    "Ez": _Element(_OFFSET_COLON, _OFFSET_FIELDS),
    "Z": _Element(r"[^\t\n\v\f\r ]+"),
    "s": _Element(r"(-?\d+)", ("unix_seconds",)),
    "%": _Element("%"),
    "ET": _Element("[Tt]"),
    # glibc's strptime, C locale.
    "y": _Element(_WS + r"*(\d{1,2})", ("short_year",)),
    "b": _Element(f"(?i:({_names(_MONTHS)}))", ("month_name",)),
    "a": _Element(f"(?i:{_names(_WEEKDAYS)})"),
    "p": _Element("(?i:(am|pm))", ("am_pm",)),
    "I": _Element(_WS + r"*([01]\d|\d)", ("hour12",)),
    "R": _Element(_WS + r"*([0-2]\d|\d):" + _WS + r"*([0-5]\d|\d)", ("hour_c", "minute_c")),
    "D": _Element(
        _WS + r"*([01]\d|\d)/" + _WS + r"*([0-3]\d|\d)/" + _WS + r"*(\d{1,2})",
        ("month_c", "day_c", "short_year"),
    ),
    "j": _Element(_WS + r"*((?:[0-2]\d|3[0-6])\d|\d\d|\d)", ("day_of_year",)),
    "n": _Element(_WS + "*"),
}
for _alias, _name in (
    ("E*z", "Ez"),
    (":z", "Ez"),
    ("::z", "Ez"),
    (":::z", "Ez"),
    ("B", "b"),
    ("h", "b"),
    ("A", "a"),
    ("t", "n"),
):
    _DIRECTIVES[_alias] = _DIRECTIVES[_name]

# Sets the 12-hour clock (True) or the 24-hour clock (False), as cctz.
_CLOCK = {"I": True, "H": False, "T": False, "R": False}
_SUPPORTED = "%Y %m %d %e %F %H %M %S %T %z %:z %Ez %E*z %Z %s %% %ET %E*S %E#S %E*f %E#f %E4Y "
_SUPPORTED += "%y %b %B %h %a %A %p %I %R %D %j %n %t"


def _compile(time_format: str) -> list[tuple[_Element, str]]:
    """The format as parse steps: (element, directive or "" for literals and spaces)."""
    steps: list[tuple[_Element, str]] = []
    i = 0
    while i < len(time_format):
        char = time_format[i]
        if char in " \t\n\v\f\r":
            while i < len(time_format) and time_format[i] in " \t\n\v\f\r":
                i += 1
            steps.append((_Element(_WS + "*"), ""))
            continue
        if char != "%":
            start = i
            while i < len(time_format) and time_format[i] != "%":
                if time_format[i] in " \t\n\v\f\r":
                    break
                i += 1
            literal = time_format[start:i]
            steps.append((_Element("".join(_escape(c) for c in literal)), ""))
            continue
        directive = _directive_at(time_format, i + 1)
        if directive is None:
            raise ParseTimeError(
                f"parse_time: time_format {time_format!r} has an unsupported directive at "
                f"position {i} ({time_format[i : i + 3]!r}); supported: {_SUPPORTED}."
            )
        i += 1 + len(directive)
        key = directive
        if directive[0] == "E" and directive[1:-1].isdigit() and directive[-1] in "Sf":
            key = "E*" + directive[-1]  # %E#S and %E#f parse as %E*S and %E*f, as absl
        steps.append((_DIRECTIVES[key], directive))
    return steps


def _directive_at(time_format: str, i: int) -> str | None:
    rest = time_format[i:]
    for name in ("E*S", "E*f", "E*z", "E4Y", "Ez", "ET", ":::z", "::z", ":z"):
        if rest.startswith(name):
            return name
    if rest.startswith("E"):
        digits = len(rest[1:]) - len(rest[1:].lstrip("0123456789"))
        if digits and rest[1 + digits : 2 + digits] in ("S", "f"):
            return rest[: 2 + digits]
        return None
    if rest[:1] and rest[0] in _DIRECTIVES:
        return rest[0]
    return None


def _escape(char: str) -> str:
    return char if char.isalnum() else "\\" + char if char.isascii() else char


def parse_time(time_string, time_format: str, output_unit: str) -> tf.Tensor:
    """Parses strings into Unix time (since 1970-01-01 00:00:00 UTC) in `output_unit`, as
    tfa 0.23's kernel (absl's `ParseTime`, which extends strptime), written in
    TensorFlow's string ops: graph-compatible, usable in `tf.data` and in SavedModels.

    As absl: fields absent from the format take 1970-01-01 00:00:00 +0000; whitespace in
    the format matches any run of whitespace (leading and trailing whitespace of the
    string is skipped); out-of-range fields ("Feb 30") are errors, not normalized; a
    leap second `:60` becomes `:00` of the next minute without fraction; with an offset
    (`%z`, `%Ez`) the fields are local time at that offset, otherwise UTC; `%s` overrides
    every other field; "infinite-future" and "infinite-past" give the int64 extremes; the
    result is floored to the unit and saturates at the int64 range.

    Directives: absl's own `%Y %E4Y %m %d %e %F %H %M %S %T %E*S %E#S %E*f %E#f %z %Ez %E*z
    %:z %::z %:::z %Z (parsed, ignored) %s %ET %%`, and the strptime ones absl hands to
    glibc, in the C locale: `%y %b %B %h %a %A (parsed, ignored) %p %I %R %D %j (parsed,
    ignored) %n %t`. Not supported (an error when the format is read): the week-based
    `%U %W %u %w`, the locale forms `%c %x %X %r`, `%C %G %g %V` and other `%E`/`%O`
    modifiers. Differences from tfa: `%s` values beyond 18 digits are errors here (tfa:
    to the int64 range), and strings that are not valid UTF-8 can fail where tfa,
    comparing bytes, parses them (`%Z` over such bytes).

    Args:
        time_string: a string tensor of any shape (or a Python string or list).
        time_format: a Python string, the format.
        output_unit: "SECOND", "MILLISECOND", "MICROSECOND" or "NANOSECOND".

    Returns:
        int64 tensor of `time_string`'s shape.

    Raises:
        ParseTimeError (an `InvalidArgumentError` and a `ValueError`): an invalid
            `output_unit` or an unsupported directive.
        tf.errors.InvalidArgumentError: when a string does not parse (at run time).
    """
    if output_unit not in _UNITS:
        raise ParseTimeError(
            f"parse_time: output_unit must be one of {sorted(_UNITS)}, got {output_unit!r}."
        )
    if not isinstance(time_format, str):
        raise ParseTimeError(f"parse_time: time_format must be a string, got {time_format!r}.")
    steps = _compile(time_format)
    with tf.name_scope("parse_time"):
        strings = tf.convert_to_tensor(time_string, dtype=tf.string)
        flat = tf.reshape(strings, [-1])
        seconds, femtos, ok = _parse(flat, steps)
        result = _to_unit(seconds, femtos, _UNITS[output_unit])
        # absl's literals for the infinite times.
        future = tf.strings.regex_full_match(flat, f"{_WS}*infinite-future{_WS}*")
        past = tf.strings.regex_full_match(flat, f"{_WS}*infinite-past{_WS}*")
        result = tf.where(future, tf.constant(_INT64_MAX, tf.int64), result)
        result = tf.where(past, tf.constant(_INT64_MIN, tf.int64), result)
        ok = ok | future | past
        failed = tf.boolean_mask(flat, tf.logical_not(ok))
        check = tf.debugging.Assert(
            tf.reduce_all(ok),
            [f"parse_time: cannot parse with time_format {time_format!r}:", failed[:3]],
        )
        with tf.control_dependencies([check]):
            return tf.reshape(tf.identity(result), tf.shape(strings))


def _number(text, ok):
    """int64 of the digit strings in `text` where `ok` (0 elsewhere)."""
    text = tf.where(ok & (tf.strings.length(text) > 0), text, "0")
    return tf.strings.to_number(text, out_type=tf.int64)


def _fits(text, ok, max_digits):
    digits = tf.strings.length(tf.strings.regex_replace(text, "^-", ""))
    return ok & (digits <= max_digits)


def _parse(flat, steps):
    """Runs the steps over the strings: (seconds, femtoseconds, parsed) per string."""
    rest = tf.strings.regex_replace(flat, f"^{_WS}+", "")
    ok = tf.ones_like(flat, dtype=tf.bool)
    zeros = tf.zeros_like(flat, dtype=tf.int64)
    state = {
        "year": zeros + 1970,
        "short_year": None,  # from %y / %D, used only without %Y (as cctz's tm_year)
        "month": zeros + 1,
        "day": zeros + 1,
        "hour": zeros,
        "minute": zeros,
        "second": zeros,
        "femtos": zeros,
        "offset": zeros,
        "afternoon": tf.zeros_like(flat, dtype=tf.bool),
        "unix_seconds": None,
    }
    saw_year = False
    twelve_hour = False
    for element, directive in steps:
        pattern = f"(?:{element.regex})"
        matched = tf.strings.regex_full_match(rest, f"(?s){pattern}.*")
        groups = {
            name: tf.strings.regex_replace(rest, f"(?s)^{pattern}.*$", f"\\{k + 1}", False)
            for k, name in enumerate(element.fields)
        }
        rest = tf.strings.regex_replace(rest, f"^{pattern}", "", replace_global=False)
        ok = ok & matched
        ok = _assign(state, groups, ok)
        saw_year = saw_year or "year" in element.fields
        twelve_hour = _CLOCK.get(directive, twelve_hour)
    ok = ok & tf.strings.regex_full_match(rest, f"{_WS}*")

    if not saw_year and state["short_year"] is not None:
        state["year"] = state["short_year"]
    if twelve_hour:
        state["hour"] = tf.where(
            state["afternoon"] & (state["hour"] < 12), state["hour"] + 12, state["hour"]
        )
    if state["unix_seconds"] is not None:
        return state["unix_seconds"], zeros, ok

    year, month, day = state["year"], state["month"], state["day"]
    ok = ok & (day <= _days_in_month(year, month))
    # A leap second is the next minute's :00, its fraction dropped.
    leap = tf.equal(state["second"], 60)
    second = tf.where(leap, tf.constant(59, tf.int64), state["second"])
    offset = tf.where(leap, state["offset"] - 1, state["offset"])
    femtos = tf.where(leap, zeros, state["femtos"])
    days = _days_from_civil(tf.where(ok, year, 1970), month, day)
    time_of_day = state["hour"] * 3600 + state["minute"] * 60 + second - offset
    seconds, fits = _add_days_and_seconds(days, time_of_day)
    return seconds, femtos, ok & fits


def _assign(state, groups, ok):
    """Writes the captured groups into the parse state (later directives overwrite earlier
    ones, as cctz); values out of their field's range fail the parse."""

    def field(name, low, high, max_digits=2):
        text = groups[name]
        good = _fits(text, ok, max_digits)
        value = _number(text, good)
        negative_zero = tf.strings.regex_full_match(text, "-0+")
        return value, good & (value >= low) & (value <= high) & ~negative_zero

    for name, (low, high) in {
        "month": (1, 12),
        "month_c": (1, 12),
        "day": (1, 31),
        "day_c": (1, 31),
        "hour": (0, 23),
        "hour_c": (0, 23),
        "minute": (0, 59),
        "minute_c": (0, 59),
        "second": (0, 60),
        "short_year": (0, 99),
        "hour12": (1, 12),
        "day_of_year": (1, 366),
    }.items():
        if name in groups:
            value, good = field(name, low, high, max_digits=3)
            ok = ok & good
            if name == "short_year":
                state["short_year"] = tf.where(value >= 69, 1900 + value, 2000 + value)
            elif name == "hour12":
                state["hour"] = value % 12
            elif name != "day_of_year":
                state[name.removesuffix("_c")] = value
    if "year" in groups:
        value, good = field("year", -(10**12), 10**12, max_digits=12)
        ok = ok & good
        state["year"] = value
    if "unix_seconds" in groups:
        value, good = field("unix_seconds", -(10**18), 10**18, max_digits=18)
        ok = ok & good
        state["unix_seconds"] = value
    if "dot_fraction" in groups:
        text = groups["dot_fraction"]
        # "09." fails: a '.' after the seconds must be followed by digits.
        ok = ok & tf.not_equal(text, ".")
        fraction = tf.strings.substr(tf.strings.regex_replace(text, r"^\.", ""), 0, 15)
        given = tf.strings.length(text) > 1
        state["femtos"] = tf.where(given, _femtos(fraction, ok), state["femtos"])
    if "fraction" in groups:
        text = groups["fraction"]
        given = tf.strings.length(text) > 0
        state["femtos"] = tf.where(
            given, _femtos(tf.strings.substr(text, 0, 15), ok), state["femtos"]
        )
    if "offset_sign" in groups:
        hours = _number(groups["offset_hours"], ok)
        minutes = _number(groups["offset_minutes"], ok)
        seconds = _number(groups["offset_seconds"], ok)
        zulu = tf.strings.length(groups["zulu"]) > 0
        ok = ok & (zulu | (hours <= 23))
        offset = hours * 3600 + minutes * 60 + seconds
        offset = tf.where(tf.equal(groups["offset_sign"], "-"), -offset, offset)
        state["offset"] = tf.where(zulu, tf.zeros_like(offset), offset)
    if "month_name" in groups:
        abbreviation = tf.strings.lower(tf.strings.substr(groups["month_name"], 0, 3))
        names = tf.constant([m[:3] for m in _MONTHS])
        hits = tf.equal(abbreviation[:, None], names[None, :])
        state["month"] = tf.argmax(tf.cast(hits, tf.int64), axis=1) + 1
    if "am_pm" in groups:
        state["afternoon"] = tf.equal(tf.strings.lower(groups["am_pm"]), "pm")
    return ok


def _femtos(digits, ok):
    """Femtoseconds of up to 15 fraction digits ("05" -> 5e13)."""
    padded = tf.strings.substr(tf.strings.join([digits, "000000000000000"]), 0, 15)
    return _number(padded, ok)


def _is_leap(year):
    return (tf.math.floormod(year, 4) == 0) & (
        (tf.math.floormod(year, 100) != 0) | (tf.math.floormod(year, 400) == 0)
    )


def _days_in_month(year, month):
    table = tf.constant([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], tf.int64)
    days = tf.gather(table, tf.clip_by_value(month, 1, 12) - 1)
    return days + tf.cast(_is_leap(year) & tf.equal(month, 2), tf.int64)


def _days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm)."""
    year = year - tf.cast(month <= 2, tf.int64)
    era = tf.math.floordiv(year, 400)
    year_of_era = year - era * 400
    shifted_month = tf.math.floormod(month + 9, 12)  # March = 0
    day_of_year = (153 * shifted_month + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _add_days_and_seconds(days, seconds):
    """`days * 86400 + seconds` and whether it fits in int64 (cctz's time range)."""
    limit = _INT64_MAX // 86400
    in_range = tf.abs(days) <= limit
    base = tf.where(in_range, days, 0) * 86400
    over = (seconds > 0) & (base > _INT64_MAX - seconds)
    under = (seconds < 0) & (base < _INT64_MIN - seconds)
    return base + seconds, in_range & ~over & ~under


def _to_unit(seconds, femtos, unit):
    """`floor((seconds + femtos / 1e15) * unit)`, saturated to the int64 range, as absl's
    ToUnixSeconds/Millis/Micros/Nanos."""
    if unit == 1:
        return seconds
    sub = femtos // (_FEMTOS // unit)  # in [0, unit)
    max_q, max_r = divmod(_INT64_MAX, unit)
    min_q, min_r = divmod(_INT64_MIN, unit)  # floored: min_q * unit itself underflows
    value = tf.clip_by_value(seconds, min_q + 1, max_q) * unit + sub
    value = tf.where(tf.equal(seconds, min_q), value - unit, value)
    too_big = (seconds > max_q) | (tf.equal(seconds, max_q) & (sub > max_r))
    too_small = (seconds < min_q) | (tf.equal(seconds, min_q) & (sub < min_r))
    value = tf.where(too_big, tf.constant(_INT64_MAX, tf.int64), value)
    return tf.where(too_small, tf.constant(_INT64_MIN, tf.int64), value)

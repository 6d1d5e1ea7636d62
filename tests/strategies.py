"""Hypothesis strategies shared by the file-reader tests."""

from __future__ import annotations

from hypothesis import strategies as st


def bytes_near_a_format(
    good: list[bytes],
    fields: list[bytes],
    separators: list[bytes],
    pieces: list[bytes],
    max_fields: int,
    max_lines: int,
):
    """Arbitrary bytes, mostly near a line format: raw bytes; runs of `pieces`; or `good`
    lines mixed with lines of up to `max_fields` random `fields` joined by one of
    `separators`, sometimes with a final newline and a random byte string spliced in."""

    @st.composite
    def files(draw):
        separator = draw(st.sampled_from(separators))
        odd = st.lists(st.sampled_from(fields), max_size=max_fields).map(separator.join)
        line = st.one_of(st.sampled_from(good), st.sampled_from(good), odd)
        data = draw(st.lists(line, max_size=max_lines).map(b"\n".join))
        if draw(st.booleans()):
            data += b"\n"
        if draw(st.integers(0, 3)) == 0:
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
        return data

    return st.one_of(
        st.binary(max_size=200),
        st.lists(st.sampled_from(pieces), max_size=40).map(b"".join),
        files(),
        files(),
    )

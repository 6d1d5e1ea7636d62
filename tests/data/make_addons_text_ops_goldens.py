"""Writes tests/data/addons_text_ops_goldens.json: tfa 0.23's `parse_time` (absl's
parser, in tfa's custom kernel) on strings and formats beyond tfa's tests, and its
`skip_gram_sample` / `skip_gram_sample_with_text_vocab` with random window sizes and
subsampling under fixed seeds, that kerasdl.addons.text must match.

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    LD_PRELOAD=/usr/local/cuda-13.0/lib/libcudart.so.13 \
        /work/tfa-venv/bin/python tests/data/make_addons_text_ops_goldens.py
(tfa's custom-op libraries are linked against the CUDA runtime; with its symbols preloaded
their CPU kernels load and run without a GPU.)

`parse_time`: a list of `[time_string, time_format, {unit: value or "error"}]`.
`skip_gram`: a list of `{"kwargs": ..., "tokens": ..., "labels": ...}`, each drawn right
after `tf.random.set_seed(42)` (the first draw of a fresh kernel).
"""

import json
import os
import pathlib
import tempfile

import tensorflow as tf
import tensorflow_addons as tfa

UNITS = ("SECOND", "MILLISECOND", "MICROSECOND", "NANOSECOND")

# [time_string, time_format]: absl's directives, its whitespace and range rules, leap
# seconds, offsets, fractions, the 12-hour clock, names, saturation and failures.
PARSE_TIME_CASES = [
    ["2019-05-17T23:56:09.05Z", "%Y-%m-%dT%H:%M:%E*S%Ez"],
    ["2019-05-17T23:56:09.05+05:00", "%Y-%m-%dT%H:%M:%E*S%Ez"],
    ["2019-05-17T23:56:09.05-0130", "%Y-%m-%dT%H:%M:%E*S%z"],
    ["2019-05-17 23:56:09.1234567890123456789", "%Y-%m-%d %H:%M:%E*S"],
    ["1970-01-01 00:00:00.000000001", "%Y-%m-%d %H:%M:%E*S"],
    ["1969-12-31 23:59:59.5", "%Y-%m-%d %H:%M:%E*S"],
    ["1969-12-31 23:59:59.0000000005", "%Y-%m-%d %H:%M:%E*S"],
    ["09.", "%E*S"],
    ["09", "%E*S"],
    ["09.25", "%E3S"],
    ["0912", "%E3S"],
    ["12.345", "%S.%E*f"],
    ["12.", "%S.%E*f"],
    ["12.345", "%S.%E6f"],
    ["  2019  ", "%Y"],
    ["2019\x0b", "%Y"],
    ["-0", "%Y"],
    ["0005", "%Y"],
    ["+2019", "%Y"],
    ["-44", "%Y"],
    ["99999999999", "%Y"],
    ["292277026596", "%Y"],
    ["292277026597", "%Y"],
    ["1234567890123", "%Y"],
    ["-999", "%E4Y"],
    ["-000", "%E4Y"],
    ["0099", "%E4Y"],
    ["12345", "%E4Y"],
    ["123", "%E4Y"],
    ["2016-02-29", "%F"],
    ["2015-02-29", "%F"],
    ["2000-02-29", "%F"],
    ["1900-02-29", "%F"],
    ["2015-2-3", "%F"],
    ["2019-04-31", "%Y-%m-%d"],
    ["2019-12-31", "%Y-%m-%d"],
    ["23:59:60.5", "%H:%M:%E*S"],
    ["2019-12-31 23:59:60", "%Y-%m-%d %H:%M:%S"],
    ["23:59:60", "%T"],
    ["7:5:3", "%T"],
    ["+05:30", "%Ez"],
    ["+0530", "%Ez"],
    ["+05", "%Ez"],
    ["+05:30:15", "%E*z"],
    ["+053015", "%z"],
    ["-05:30", "%:z"],
    ["-05:30", "%::z"],
    ["+05:30", "%z"],
    ["z", "%z"],
    ["Z", "%Ez"],
    ["+24", "%z"],
    ["+0561", "%z"],
    ["+5", "%z"],
    ["10:00 +05:61", "%H:%M %Ez"],
    ["UTC", "%Z"],
    ["PST8PDT", "%Z"],
    ["2019-05-17 10:00 CEST", "%Y-%m-%d %H:%M %Z"],
    ["100%", "%s%%"],
    ["-0", "%s"],
    ["-100", "%s"],
    ["1558137369", "%s"],
    ["1.5", "%s"],
    ["1558137369 2001", "%s %Y"],
    ["T", "%ET"],
    ["t", "%ET"],
    ["2019-05-17t10:00", "%Y-%m-%d%ET%H:%M"],
    ["1 2", "%m%n%d"],
    ["12 5", "%m%t%d"],
    ["1 Jan", "%e %b"],
    ["May 2019", "%B %Y"],
    ["Sept", "%b"],
    ["September 1", "%B %e"],
    ["sep 1", "%b %d"],
    ["JUNE 30", "%h %d"],
    ["5 Mar", "%d %b"],
    ["5Mar", "%d%b"],
    ["5  Mar", "%d%b"],
    ["Thu, 01 Jan 1970", "%a, %d %b %Y"],
    ["thursday", "%A"],
    ["Fri 3", "%a %d"],
    ["Frid 3", "%a %d"],
    ["Thu Jan  1 00:00:00 1970", "%a %b %e %H:%M:%S %Y"],
    ["pm", "%p"],
    ["12 pm", "%I %p"],
    ["12 am", "%I %p"],
    ["5 pm", "%H %p"],
    ["pm 5", "%p %I"],
    ["10 am", "%I %p"],
    ["10 AM", "%I %p"],
    ["10 Pm", "%I %p"],
    ["1 5", "%I %M"],
    [" 13", "%I"],
    ["0", "%I"],
    ["123", "%m%d"],
    ["1232", "%m%d"],
    ["1234", "%H%M%S"],
    ["12345", "%H%M%S"],
    ["20191", "%Y%m"],
    ["13", "%m"],
    ["0", "%m"],
    ["00", "%d"],
    ["7", "%H"],
    ["24", "%H"],
    ["60", "%M"],
    ["61", "%S"],
    ["-5", "%m"],
    ["99", "%y"],
    ["68", "%y"],
    ["69", "%y"],
    ["5", "%y"],
    ["2019 99", "%Y %y"],
    ["12/31/99", "%D"],
    ["05/06/07", "%D"],
    ["1/2/3", "%D"],
    ["13/02/03", "%D"],
    [" 7:05", "%R"],
    ["7: 5", "%R"],
    ["24:00", "%R"],
    ["100", "%j"],
    ["2019 100", "%Y %j"],
    ["367", "%j"],
    ["0", "%j"],
    ["infinite-past", "%Y"],
    ["  infinite-future  ", "x"],
    ["infinite-future x", "%Y"],
    ["2262-04-12", "%F"],
    ["2262-04-11 23:47:16.854775807", "%F %H:%M:%E*S"],
    ["2262-04-11 23:47:16.854775808", "%F %H:%M:%E*S"],
    ["1677-09-21", "%F"],
    ["1677-09-21 00:12:43.145224192", "%F %H:%M:%E*S"],
    ["1677-09-21 00:12:43.145224191", "%F %H:%M:%E*S"],
    ["", "%Y"],
    ["", ""],
    ["  ", ""],
    ["abc", "abc"],
    ["ab", "abc"],
    ["a  b", "a b"],
    ["ab", "a b"],
    ["2019-05-17", "%Y-%m-%d %H"],
    ["2019-05-17 ", "%Y-%m-%d"],
    ["INVALID", "%Y-%m-%dT%H:%M:%E*S%Ez"],
    ["2019-05-17T23:56:09.05Z", "INVALID"],
    ["\u00e9", "\u00e9"],
    ["5 \u00e9", "%d \u00e9"],
    ["a.b*c", "a.b*c"],
    ["a+b", "a.b"],
]


def parse_time_goldens():
    rows = []
    for time_string, time_format in PARSE_TIME_CASES:
        values = {}
        for unit in UNITS:
            try:
                values[unit] = int(tfa.text.parse_time(time_string, time_format, unit))
            except tf.errors.InvalidArgumentError:
                values[unit] = "error"
        rows.append([time_string, time_format, values])
    return rows


# skip_gram_sample with random window sizes; each case runs right after set_seed(42).
SKIP_GRAM_CASES = [
    {"n": 6, "min_skips": 1, "max_skips": 2, "seed": 9},
    {"n": 10, "min_skips": 1, "max_skips": 5, "seed": 3},
    {"n": 10, "min_skips": 0, "max_skips": 3, "seed": 11, "emit_self_as_target": True},
    {"n": 12, "min_skips": 2, "max_skips": 4, "seed": 5, "start": 2, "limit": 7},
    {"n": 12, "min_skips": 1, "max_skips": 3, "seed": 8, "start": 4, "limit": -1},
    {"n": 8, "min_skips": 1, "max_skips": 4, "seed": None},
    {"n": 1, "min_skips": 1, "max_skips": 3, "seed": 2},
]


def skip_gram_goldens():
    rows = []
    for case in SKIP_GRAM_CASES:
        kwargs = {k: v for k, v in case.items() if k != "n"}
        tf.random.set_seed(42)
        tokens, labels = tfa.text.skip_gram_sample(
            tf.constant([f"w{i}" for i in range(case["n"])]), **kwargs
        )
        rows.append(
            {
                "kwargs": case,
                "tokens": [t.decode() for t in tokens.numpy()],
                "labels": [t.decode() for t in labels.numpy()],
            }
        )
    # Subsampling through a text vocabulary (tfa's test file, other seeds and thresholds).
    words = ["the", "answer", "to", "life", "and", "universe", "the", "to", "and", "the"]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "vocab.txt")
        with open(path, "w") as f:
            f.write("and,40\nlife,8\nthe,30\nto,20\nuniverse,2\n")
        for seed, subsampling, min_count in ((123, 0.05, 3), (7, 0.1, None), (1, 0.02, 5)):
            kwargs = {
                "vocab_min_count": min_count,
                "vocab_subsampling": subsampling,
                "min_skips": 1,
                "max_skips": 2,
                "seed": seed,
            }
            tf.random.set_seed(42)
            tokens, labels = tfa.text.skip_gram_sample_with_text_vocab(
                tf.constant(words), path, **kwargs
            )
            rows.append(
                {
                    "kwargs": {"vocab": True, "words": words, **kwargs},
                    "tokens": [t.decode() for t in tokens.numpy()],
                    "labels": [t.decode() for t in labels.numpy()],
                }
            )
    return rows


path = pathlib.Path(__file__).with_name("addons_text_ops_goldens.json")
goldens = {"parse_time": parse_time_goldens(), "skip_gram": skip_gram_goldens()}
# One case a line.
sections = [
    f'"{name}": [\n' + ",\n".join(json.dumps(row) for row in rows) + "\n]"
    for name, rows in goldens.items()
]
path.write_text("{\n" + ",\n".join(sections) + "\n}\n")
print(
    f"{len(goldens['parse_time'])} parse_time and {len(goldens['skip_gram'])} skip-gram -> {path}"
)

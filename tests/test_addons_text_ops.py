"""kerasdl.addons.text's skip_gram_sample, skip_gram_sample_with_text_vocab and parse_time:
the cases of tfa's skip_gram_ops_test.py and parse_time_op_test.py, tfa 0.23's outputs on
more formats and on seeded random draws (`tests/data/addons_text_ops_goldens.json`,
written by `tests/data/make_addons_text_ops_goldens.py` with tfa's custom kernels), and
their use in `tf.function`, `tf.data` and a SavedModel."""

import collections
import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

from kerasdl.addons import text
from kerasdl.addons.text import skip_gram_ops
from kerasdl.addons.text.parse_time_op import ParseTimeError

GOLDENS = json.loads(
    (pathlib.Path(__file__).parent / "data" / "addons_text_ops_goldens.json").read_text()
)
WORDS = [b"the", b"quick", b"brown", b"fox", b"jumps"]


def _pairs(tokens, labels):
    return list(zip(tokens.numpy().tolist(), labels.numpy().tolist(), strict=True))


def _window_pairs(words, skips, emit_self=False):
    return [
        (words[i], words[j])
        for i in range(len(words))
        for j in range(i - skips, i + skips + 1)
        if 0 <= j < len(words) and (j != i or emit_self)
    ]


# --- skip_gram_sample: tfa's skip_gram_ops_test ------------------------------------------


def test_skip_gram_sample_skips_2():
    tokens, labels = text.skip_gram_sample(tf.constant(WORDS), min_skips=2, max_skips=2)
    assert _pairs(tokens, labels) == [
        (b"the", b"quick"),
        (b"the", b"brown"),
        (b"quick", b"the"),
        (b"quick", b"brown"),
        (b"quick", b"fox"),
        (b"brown", b"the"),
        (b"brown", b"quick"),
        (b"brown", b"fox"),
        (b"brown", b"jumps"),
        (b"fox", b"quick"),
        (b"fox", b"brown"),
        (b"fox", b"jumps"),
        (b"jumps", b"brown"),
        (b"jumps", b"fox"),
    ]


def test_skip_gram_sample_emit_self():
    tokens, labels = text.skip_gram_sample(
        tf.constant(WORDS), min_skips=2, max_skips=2, emit_self_as_target=True
    )
    assert _pairs(tokens, labels) == _window_pairs(WORDS, 2, emit_self=True)
    assert _pairs(tokens, labels)[:4] == [
        (b"the", b"the"),
        (b"the", b"quick"),
        (b"the", b"brown"),
        (b"quick", b"the"),
    ]


def test_skip_gram_sample_skips_0():
    words = tf.constant([b"the", b"quick", b"brown"])
    tokens, labels = text.skip_gram_sample(words, min_skips=0, max_skips=0)
    assert len(tokens) == 0 and len(labels) == 0
    tokens, labels = text.skip_gram_sample(
        words, min_skips=0, max_skips=0, emit_self_as_target=True
    )
    assert _pairs(tokens, labels) == [(b"the", b"the"), (b"quick", b"quick"), (b"brown", b"brown")]


def test_skip_gram_sample_skips_exceed_length():
    words = [b"the", b"quick", b"brown"]
    tokens, labels = text.skip_gram_sample(tf.constant(words), min_skips=100, max_skips=100)
    assert _pairs(tokens, labels) == _window_pairs(words, 2)


@pytest.mark.parametrize(
    "words, limit",
    [
        ([b"foo", b"the", b"quick", b"brown", b"bar"], 3),
        ([b"foo", b"the", b"quick", b"brown"], 100),
    ],
)
def test_skip_gram_sample_start_limit(words, limit):
    tokens, labels = text.skip_gram_sample(
        tf.constant(words), min_skips=1, max_skips=1, start=1, limit=limit
    )
    assert _pairs(tokens, labels) == [
        (b"the", b"quick"),
        (b"quick", b"the"),
        (b"quick", b"brown"),
        (b"brown", b"quick"),
    ]


def test_skip_gram_sample_random_skips():
    # tfa's test: the window sizes of seed 9 under the global seed 42.
    tf.random.set_seed(42)
    words = tf.constant([b"the", b"quick", b"brown", b"fox", b"jumps", b"over"])
    tokens, labels = text.skip_gram_sample(words, min_skips=1, max_skips=2, seed=9)
    assert _pairs(tokens, labels) == [
        (b"the", b"quick"),
        (b"the", b"brown"),
        (b"quick", b"the"),
        (b"quick", b"brown"),
        (b"quick", b"fox"),
        (b"brown", b"the"),
        (b"brown", b"quick"),
        (b"brown", b"fox"),
        (b"brown", b"jumps"),
        (b"fox", b"brown"),
        (b"fox", b"jumps"),
        (b"jumps", b"fox"),
        (b"jumps", b"over"),
        (b"over", b"fox"),
        (b"over", b"jumps"),
    ]


def test_skip_gram_sample_random_skips_default_seed():
    tf.random.set_seed(None)
    words = tf.constant([str(x) for x in range(10)])
    tokens_1, labels_1 = text.skip_gram_sample(words, min_skips=1, max_skips=5)
    tokens_2, labels_2 = text.skip_gram_sample(words, min_skips=1, max_skips=5)
    assert _pairs(tokens_1, labels_1) != _pairs(tokens_2, labels_2)  # 5**-10 to fail


def test_skip_gram_sample_non_string_input():
    tokens, labels = text.skip_gram_sample(
        tf.constant([1, 2, 3], dtype=tf.int16), min_skips=1, max_skips=1
    )
    assert tokens.dtype == tf.int16 and labels.dtype == tf.int16
    assert _pairs(tokens, labels) == [(1, 2), (2, 1), (2, 3), (3, 2)]


def test_skip_gram_sample_errors():
    words = tf.constant([b"the", b"quick", b"brown"])
    for min_skips, max_skips in ((-1, 2), (1, -2), (2, 1)):
        with pytest.raises(tf.errors.InvalidArgumentError):
            text.skip_gram_sample(words, min_skips=min_skips, max_skips=max_skips)
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 1"):
        text.skip_gram_sample(tf.constant([[b"the"], [b"quick"], [b"brown"]]))

    dummy = tf.constant([""])
    for kwargs in (
        {"vocab_min_count": 1},
        {"vocab_subsampling": 1e-5},
        {"corpus_size": 100},
        {"vocab_subsampling": 1e-5, "corpus_size": 100},
    ):
        with pytest.raises(ValueError, match="vocab_freq_table"):
            text.skip_gram_sample(dummy, vocab_freq_table=None, **kwargs)
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer([b"foo"], [10]), -1)
    for kwargs in ({"corpus_size": 100}, {"vocab_subsampling": 1e-5}):
        with pytest.raises(ValueError, match="both"):
            text.skip_gram_sample(dummy, vocab_freq_table=table, **kwargs)
    with pytest.raises(ValueError, match="within"):
        text.skip_gram_sample(dummy, vocab_freq_table=table, vocab_subsampling=1.5, corpus_size=10)
    with pytest.raises(ValueError, match="lookup"):
        text.skip_gram_sample(dummy, vocab_freq_table={"foo": 10})


def _vocab_table(values):
    keys = tf.constant([b"and", b"life", b"the", b"to", b"universe"])
    return tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(keys, tf.constant(values, tf.int64)), -1
    )


SENTENCE = tf.constant([b"the", b"answer", b"to", b"life", b"and", b"universe"])


def test_filter_input_filter_vocab():
    table = _vocab_table([0, 1, 2, 3, 4])
    no_table = skip_gram_ops._filter_input(SENTENCE, None, None, None, None, None)
    np.testing.assert_array_equal(no_table, SENTENCE)
    known = skip_gram_ops._filter_input(SENTENCE, table, None, None, None, None)
    np.testing.assert_array_equal(known, [b"the", b"to", b"life", b"and", b"universe"])
    frequent = skip_gram_ops._filter_input(SENTENCE, table, 2, None, None, None)
    np.testing.assert_array_equal(frequent, [b"the", b"to", b"universe"])


def test_filter_input_subsample_vocab():
    # keep probabilities: the 0.57, to 0.75, life > 1, and 0.48; answer unknown, universe
    # below the minimum count.
    tf.random.set_seed(42)
    values = [40, 8, 30, 20, 2]
    output = skip_gram_ops._filter_input(
        SENTENCE, _vocab_table(values), 3, 0.05, tf.reduce_sum(values), 9
    )
    np.testing.assert_array_equal(output, [b"the", b"to", b"life", b"and"])


def _write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("".join(f"{token},{freq}\n" for token, freq in rows))
    return str(path)


@pytest.fixture
def vocab_file(tmp_path):
    return _write(
        tmp_path, "vocab.txt", [("and", 40), ("life", 8), ("the", 30), ("to", 20), ("universe", 2)]
    )


@pytest.fixture
def vocab_float_file(tmp_path):
    rows = [("and", 0.4), ("life", 0.08), ("the", 0.3), ("to", 0.2), ("universe", 0.02)]
    return _write(tmp_path, "vocab_float.txt", rows)


def test_skip_gram_sample_with_text_vocab_filter_vocab(vocab_file):
    tokens, labels = text.skip_gram_sample_with_text_vocab(
        SENTENCE,
        vocab_freq_file=vocab_file,
        vocab_token_index=0,
        vocab_freq_index=1,
        vocab_min_count=3,
        min_skips=1,
        max_skips=1,
    )
    assert _pairs(tokens, labels) == [
        (b"the", b"to"),
        (b"to", b"the"),
        (b"to", b"life"),
        (b"life", b"to"),
        (b"life", b"and"),
        (b"and", b"life"),
    ]


def _subsample(path, min_count, freq_dtype, corpus_size=None):
    tf.random.set_seed(42)
    tokens, labels = text.skip_gram_sample_with_text_vocab(
        SENTENCE,
        vocab_freq_file=path,
        vocab_token_index=0,
        vocab_freq_index=1,
        vocab_freq_dtype=freq_dtype,
        vocab_min_count=min_count,
        vocab_subsampling=0.05,
        corpus_size=corpus_size,
        min_skips=1,
        max_skips=1,
        seed=123,
    )
    return _pairs(tokens, labels)


SUBSAMPLED = [(b"the", b"to"), (b"to", b"the"), (b"to", b"life"), (b"life", b"to")]


def test_skip_gram_sample_with_text_vocab_subsample_vocab(vocab_file):
    assert _subsample(vocab_file, 3, tf.int64) == SUBSAMPLED
    assert _subsample(vocab_file, 3, tf.int64, corpus_size=100) == SUBSAMPLED
    with pytest.raises(ValueError, match="corpus_size"):
        _subsample(vocab_file, 3, tf.int64, corpus_size=99)


def test_skip_gram_sample_with_text_vocab_subsample_vocab_float(vocab_float_file):
    assert _subsample(vocab_float_file, 0.03, tf.float32) == SUBSAMPLED
    assert _subsample(vocab_float_file, 0.03, tf.float32, corpus_size=1.0) == SUBSAMPLED
    with pytest.raises(ValueError, match="corpus_size"):
        _subsample(vocab_float_file, 0.03, tf.float32, corpus_size=0.99)


def test_skip_gram_sample_with_text_vocab_errors(vocab_file, tmp_path):
    for token_index, freq_index in ((-1, 0), (0, -1), (0, 0), (1, 1), (0, 2), (2, 0)):
        with pytest.raises(ValueError):
            text.skip_gram_sample_with_text_vocab(
                tf.constant([""]),
                vocab_freq_file=vocab_file,
                vocab_token_index=token_index,
                vocab_freq_index=freq_index,
            )
    negative = _write(tmp_path, "negative.txt", [("a", 3), ("b", -1)])
    with pytest.raises(ValueError, match="negative frequency"):
        text.skip_gram_sample_with_text_vocab(tf.constant(["a"]), negative)


# --- skip_gram_sample: tfa's seeded random draws, graphs, tf.data --------------------------


@pytest.mark.parametrize("row", GOLDENS["skip_gram"], ids=lambda row: str(row["kwargs"]["seed"]))
def test_skip_gram_sample_random_draws_match_tfa(row, vocab_file):
    kwargs = dict(row["kwargs"])
    tf.random.set_seed(42)
    if kwargs.pop("vocab", False):
        words = tf.constant(kwargs.pop("words"))
        tokens, labels = text.skip_gram_sample_with_text_vocab(words, vocab_file, **kwargs)
    else:
        words = tf.constant([f"w{i}" for i in range(kwargs.pop("n"))])
        tokens, labels = text.skip_gram_sample(words, **kwargs)
    assert [t.decode() for t in tokens.numpy()] == row["tokens"]
    assert [t.decode() for t in labels.numpy()] == row["labels"]


def test_skip_gram_sample_window_sizes_stay_in_range():
    # Every token pairs with each neighbour within its drawn window and with no farther one:
    # the labels of a token form a contiguous window clipped to the sentence.
    words = tf.range(50)
    tokens, labels = text.skip_gram_sample(words, min_skips=2, max_skips=4, seed=1)
    windows = collections.defaultdict(list)
    for token, label in _pairs(tokens, labels):
        windows[token].append(label - token)
    sizes = []
    for token in range(50):
        offsets = windows[token]
        size = max(abs(o) for o in offsets)
        expected = [o for o in range(-size, size + 1) if o != 0 and 0 <= token + o < 50]
        assert offsets == expected
        sizes.append(size)
    assert min(sizes[4:-4]) >= 2 and max(sizes) <= 4 and len(set(sizes[4:-4])) == 3


def test_skip_gram_sample_in_tf_function_and_tf_data():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string), tf.TensorSpec([], tf.int32)])
    def sample(words, skips):
        return text.skip_gram_sample(words, min_skips=skips, max_skips=skips)

    tokens, labels = sample(tf.constant(WORDS), tf.constant(2))
    assert _pairs(tokens, labels) == _window_pairs(WORDS, 2)
    tokens, labels = sample(tf.constant(WORDS[:2]), tf.constant(1))
    assert _pairs(tokens, labels) == [(b"the", b"quick"), (b"quick", b"the")]

    table = _vocab_table([40, 8, 30, 20, 2])
    sentences = tf.data.Dataset.from_tensor_slices(
        tf.ragged.constant([[b"the", b"answer", b"to", b"life"], [b"and", b"universe"]])
    )
    pairs = sentences.map(
        lambda words: text.skip_gram_sample(
            words, min_skips=1, max_skips=1, vocab_freq_table=table, vocab_min_count=3
        )
    )
    got = [_pairs(t, lab) for t, lab in pairs]
    assert got == [
        [(b"the", b"to"), (b"to", b"the"), (b"to", b"life"), (b"life", b"to")],
        [],
    ]


def test_skip_gram_sample_checks_rank_in_graphs():
    @tf.function(input_signature=[tf.TensorSpec(None, tf.string)])
    def sample(words):
        return text.skip_gram_sample(words, min_skips=1, max_skips=1)

    assert len(sample(tf.constant(WORDS))[0]) == 8
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 1"):
        sample(tf.constant([WORDS]))


# --- parse_time: tfa's parse_time_op_test -------------------------------------------------

FORMAT = "%Y-%m-%dT%H:%M:%E*S%Ez"


@pytest.mark.parametrize(
    "unit, expected",
    [
        ("NANOSECOND", 1558137369050000000),
        ("MICROSECOND", 1558137369050000),
        ("MILLISECOND", 1558137369050),
        ("SECOND", 1558137369),
    ],
)
def test_parse_time(unit, expected):
    result = text.parse_time("2019-05-17T23:56:09.05Z", FORMAT, unit)
    assert result.dtype == tf.int64 and result.shape == ()
    assert int(result) == expected


def test_parse_time_list():
    strings = ["2019-05-17T23:56:09.05Z", "2019-05-20T11:22:33.44Z", "2019-05-30T22:33:44.55Z"]
    result = text.parse_time(strings, FORMAT, "MILLISECOND")
    np.testing.assert_array_equal(result, [1558137369050, 1558351353440, 1559255624550])


def test_parse_time_invalid_output_unit():
    with pytest.raises(ValueError, match="output_unit"):
        text.parse_time("2019-05-17T23:56:09.05Z", FORMAT, "INVALID")
    with pytest.raises(tf.errors.InvalidArgumentError):
        text.parse_time("2019-05-17T23:56:09.05Z", FORMAT, "INVALID")


def test_parse_time_invalid_time_format():
    with pytest.raises(tf.errors.InvalidArgumentError):
        text.parse_time("2019-05-17T23:56:09.05Z", "INVALID", "SECOND")


def test_parse_time_invalid_time_string():
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot parse"):
        text.parse_time("INVALID", FORMAT, "SECOND")


# --- parse_time: tfa's kernel on more formats ---------------------------------------------


def test_parse_time_matches_tfa_on_more_formats():
    """Every golden string with its format: the parsed ones in one call per format and
    unit, the failing ones one by one."""
    by_format = collections.defaultdict(list)
    failures = []
    for time_string, time_format, expected in GOLDENS["parse_time"]:
        if expected["SECOND"] == "error":
            assert set(expected.values()) == {"error"}
            failures.append((time_string, time_format))
        else:
            by_format[time_format].append((time_string, expected))
    assert len(by_format) > 50 and len(failures) > 40
    for time_format, rows in by_format.items():
        strings = [s for s, _ in rows]
        for unit in ("SECOND", "MILLISECOND", "MICROSECOND", "NANOSECOND"):
            got = text.parse_time(strings, time_format, unit).numpy().tolist()
            assert got == [e[unit] for _, e in rows], (time_format, unit, strings)
    for time_string, time_format in failures:
        with pytest.raises(tf.errors.InvalidArgumentError):
            text.parse_time(time_string, time_format, "SECOND")


def test_parse_time_keeps_the_shape_and_runs_in_graphs():
    strings = tf.constant([["1970-01-02", "1970-01-03"], ["2000-02-29", "1969-12-31"]])
    expected = [[86400, 172800], [951782400, -86400]]
    np.testing.assert_array_equal(text.parse_time(strings, "%Y-%m-%d", "SECOND"), expected)

    @tf.function(input_signature=[tf.TensorSpec(None, tf.string)])
    def parse(strings):
        return text.parse_time(strings, "%Y-%m-%d", "SECOND")

    np.testing.assert_array_equal(parse(strings), expected)
    np.testing.assert_array_equal(parse(tf.constant("1970-01-02")), 86400)
    with pytest.raises(tf.errors.InvalidArgumentError, match="1970-13-01"):
        parse(tf.constant(["1970-01-02", "1970-13-01"]))

    dataset = tf.data.Dataset.from_tensor_slices(["2019-05-17T23:56:09.05Z", "1970-01-01T00Z"])
    dataset = dataset.map(lambda s: text.parse_time(s, "%Y-%m-%dT%H%Ez", "SECOND"))
    with pytest.raises(tf.errors.InvalidArgumentError):
        list(dataset)
    dataset = tf.data.Dataset.from_tensor_slices(["2019-05-17T23+01:00", "1970-01-01T00Z"])
    dataset = dataset.map(lambda s: text.parse_time(s, "%Y-%m-%dT%H%Ez", "SECOND"))
    assert [int(x) for x in dataset] == [1558130400, 0]


def test_parse_time_in_a_saved_model(tmp_path):
    # Pure TensorFlow ops: the parser serves from a SavedModel without Python.
    module = tf.Module()
    module.parse = tf.function(
        lambda s: text.parse_time(s, FORMAT, "MICROSECOND"),
        input_signature=[tf.TensorSpec([None], tf.string)],
    )
    tf.saved_model.save(module, str(tmp_path / "parser"))
    restored = tf.saved_model.load(str(tmp_path / "parser"))
    result = restored.parse(tf.constant(["2019-05-17T23:56:09.05Z", "1970-01-01T00:00:00Z"]))
    np.testing.assert_array_equal(result, [1558137369050000, 0])


@pytest.mark.parametrize("time_format", ["%U", "%W %Y", "%c", "%x", "%Q", "%Ey", "%", "%O"])
def test_parse_time_unsupported_directives(time_format):
    with pytest.raises(ParseTimeError, match="unsupported directive"):
        text.parse_time("1", time_format, "SECOND")
    with pytest.raises(ValueError):
        text.parse_time("1", time_format, "SECOND")

"""kerasdl.data.sequence: what text classification and sequence labeling share (examples,
file decoding, the loader dispatch, vocabularies counted in-graph, standardization, ragged
rows -> batches), and the TFDS error wrapper."""

import collections

import numpy as np
import pytest
import tensorflow as tf

from kerasdl.data import InputError, sequence, tagging, text
from kerasdl.data.epochs import EpochShuffle
from kerasdl.data.errors import tfds_errors


def test_examples_subset_and_lines_for_texts_and_sentences():
    texts = text.TextExamples(["a", "b", "c"], ["x", "y", "x"], "t.tsv", [1, 3, 4])
    picked = texts.subset(np.array([2, 0]))
    assert (picked.texts, picked.labels, picked.lines) == (["c", "a"], ["x", "x"], [4, 1])
    assert len(picked) == 2 and picked.line_of(0) == 4 and picked.source == "t.tsv"
    corpus = tagging.TaggedCorpus([["A", "b"], ["C"]], None, "tfds:x/train")
    assert corpus.subset([1]).tokens == [["C"]] and corpus.subset([1]).tags is None
    assert corpus.line_of(0, 1) is None
    lined = tagging.TaggedCorpus([["A", "b"], ["C"]], [["O", "O"], ["O"]], "c.txt", [1, 4])
    assert lined.line_of(0, 1) == 2 and lined.subset([1]).lines == [4]


def test_read_splits_is_a_dataset_name_or_files():
    def read_file(path):
        return f"file {path}"

    def read_tfds(split):
        return f"tfds {split}"

    assert sequence.read_splits("n", None, None, None, read_file, read_tfds, "validation") == (
        "tfds train",
        None,
        "tfds validation",
    )
    files = sequence.read_splits(None, "a", None, "c", read_file, read_tfds)
    assert files == ("file a", None, "file c")
    with pytest.raises(InputError, match="not both"):
        sequence.read_splits("n", "a", None, None, read_file, read_tfds)
    with pytest.raises(InputError, match="no data: give a dataset name or a training file"):
        sequence.read_splits(None, None, None, "c", read_file, read_tfds)


def test_decode_file_names_the_line_of_a_bad_byte(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"good\r\nline\n\xe9t\xe9\n")
    with pytest.raises(InputError) as error:
        sequence.decode_file(path)
    assert error.value.line == 3 and "not valid utf-8" in error.value.problem
    assert "--" not in error.value.problem  # a library error names no flag
    assert sequence.split_lines(sequence.decode_file(path, "latin-1")) == ["good", "line", "été"]
    path.write_bytes("\ufeffa\x0cb\n".encode())
    assert sequence.split_lines(sequence.decode_file(path)) == ["a\x0cb"]  # form feed kept


def test_vocabulary_ids_and_duplicates():
    labels = text.LabelVocabulary(["neg", "pos"])
    assert len(labels) == 2 and labels.decode([[1], [0]]) == ["pos", "neg"]
    assert labels.decode([1, 0, 1], length=2) == ["pos", "neg"]
    with pytest.raises(ValueError, match="duplicate label names"):
        text.LabelVocabulary(["a", "a"])
    with pytest.raises(ValueError, match="duplicate tags"):
        tagging.TagVocabulary(["O", "O"])


def test_standardize_options_in_order():
    strings = tf.constant([["Él vio 1997.", "ÀB"]])
    assert sequence.standardize(strings).numpy().tolist() == [
        [b"\xc3\x89l vio 1997.", b"\xc3\x80B"]
    ]
    lowered = sequence.standardize(strings, lowercase=True, normalize_digits=True)
    assert [s.decode() for s in lowered.numpy()[0]] == ["él vio 0000.", "àb"]
    stripped = sequence.standardize(tf.constant("it's."), strip_punctuation=True)
    assert stripped.numpy() == b"its"
    split = sequence.standardize(tf.constant("it's."), split_punctuation=True)
    assert split.numpy().split() == [b"it", b"'", b"s", b"."]
    standardizer = sequence.Standardizer(normalize_digits=True)
    assert sequence.Standardizer.from_config(standardizer.get_config()).get_config() == {
        "lowercase": True,
        "normalize_digits": True,
        "strip_punctuation": False,
        "split_punctuation": False,
    }
    with pytest.raises(ValueError, match="exclude each other"):
        sequence.Standardizer(strip_punctuation=True, split_punctuation=True)


def test_count_tokens_and_vocabulary_order():
    counts = sequence.count_tokens(["b a a", "c b a", "[UNK] d"], tf.strings.split)
    assert counts == collections.Counter({b"a": 3, b"b": 2, b"c": 1, b"d": 1, b"[UNK]": 1})
    assert sequence.vocabulary(counts) == ["a", "b", "c", "d"]  # ties alphabetical
    assert sequence.vocabulary(counts, min_count=2) == ["a", "b"]
    assert sequence.vocabulary(counts, max_size=3) == ["a", "b", "c"]
    chars = sequence.count_tokens(["ab", "b"], lambda x: tf.strings.unicode_split(x, "UTF-8"))
    assert chars == collections.Counter({b"a": 1, b"b": 2})


def _batches(dataset):
    return [tf.nest.map_structure(lambda t: t.numpy().tolist(), b) for b in dataset]


def test_batch_rows_pads_per_batch_with_either_kind_of_target():
    rows = [np.array([1, 2, 3], np.int32), np.array([4], np.int32), np.array([5, 6], np.int32)]
    assert _batches(sequence.batch_rows(rows, None, 2)) == [[[1, 2, 3], [4, 0, 0]], [[5, 6]]]
    labels = np.array([7, 8, 9], np.int32)
    assert _batches(sequence.batch_rows(rows, labels, 3)) == [
        ([[1, 2, 3], [4, 0, 0], [5, 6, 0]], [7, 8, 9])
    ]
    tags = [r * 10 for r in rows]
    (batch,) = _batches(sequence.batch_rows(rows, tags, 3))
    assert batch[1] == [[10, 20, 30], [40, 0, 0], [50, 60, 0]]
    strings = [np.array(["a", "b"], object), np.array(["c"], object)]
    assert _batches(sequence.batch_rows(strings, None, 2)) == [[[b"a", b"b"], [b"c", b""]]]
    with pytest.raises(ValueError, match="bucket_boundaries"):
        sequence.batch_rows(rows, None, 2, bucket_boundaries="quantiles")


def test_batch_rows_buckets_and_shuffles_by_epoch():
    rows = [np.arange(1, 1 + n % 7 + 1, dtype=np.int32) for n in range(40)]
    bucketed = sequence.batch_rows(rows, None, 4, bucket_boundaries=[3, 5])
    for batch in _batches(bucketed):
        lengths = [sum(1 for v in row if v) for row in batch]
        assert max(lengths) < 3 or min(lengths) >= 3  # no batch mixes the short bucket
    shuffle = EpochShuffle(4)
    dataset = sequence.batch_rows(rows, np.arange(40, dtype=np.int32), 8, shuffle)
    first = [i for _, labels in _batches(dataset) for i in labels]
    second = [i for _, labels in _batches(dataset) for i in labels]
    assert sorted(first) == sorted(second) == list(range(40)) and first != second
    shuffle.set_epoch(0)
    assert [i for _, labels in _batches(dataset) for i in labels] == first
    assert sequence.bucket_boundaries_for(np.arange(1, 101), num_buckets=4) == [26, 51, 76]


def test_tfds_errors_become_one_input_error_naming_the_source():
    with pytest.raises(InputError, match=r"tfds:nope/train: cannot load \(KeyError: 'x'\)"):
        with tfds_errors("tfds:nope/train"):
            raise KeyError("x")
    with pytest.raises(InputError, match="a.txt: kept"):
        with tfds_errors("tfds:n"):
            raise InputError("a.txt", "kept")

"""kerasdl.data.text: readers on real MR/TREC data, errors with file:line, in-graph
tokenization, batches and buckets, TFDS names (mocked), and a property test that the
readers never crash on arbitrary bytes."""

from __future__ import annotations

import os
import tempfile

import hypothesis
import hypothesis.strategies as st
import keras
import numpy as np
import pytest
import tensorflow as tf
from strategies import bytes_near_a_format

from kerasdl.data import text
from kerasdl.data.errors import InputError


def write(tmp_path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


@pytest.fixture(scope="module")
def mr(shared_data):
    return text.load_text_classification(
        train_file=str(shared_data / "mr" / "train.tsv"),
        test_file=str(shared_data / "mr" / "test.tsv"),
    )


@pytest.fixture(scope="module")
def mr_preprocessor(mr):
    return text.TextPreprocessor.from_texts(mr.train.texts, min_length=5)


# --------------------------------------------------------------------------- real data


def test_mr_counts_and_labels(mr):
    assert (len(mr.train), len(mr.test)) == (9596, 1066)
    assert mr.labels.names == ["neg", "pos"]
    assert mr.train.lines[:3] == [1, 2, 3]
    assert mr.train.texts[0].startswith("a stunning piece of visual poetry")
    counts = np.bincount(mr.labels.encode(mr.train))
    assert abs(counts[0] - counts[1]) < 200  # MR is balanced


@pytest.mark.parametrize("suffix, classes", [("", 6), ("_fine", 50)])
def test_trec_counts_and_labels(shared_data, suffix, classes):
    folder = shared_data / "trec"
    data = text.load_text_classification(
        train_file=str(folder / f"train{suffix}.tsv"), test_file=str(folder / f"test{suffix}.tsv")
    )
    assert (len(data.train), len(data.test)) == (5452, 500)
    assert len(data.labels) == classes
    if not suffix:
        assert data.labels.names == ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]
    assert data.labels.encode(data.test).shape == (500,)


def test_vocabulary_from_training_text_only(mr, mr_preprocessor):
    vocabulary = set(mr_preprocessor.get_vocabulary())
    train_tokens = {t for s in mr.train.texts for t in s.lower().split()}
    assert vocabulary - {"", "[UNK]"} == train_tokens
    test_only = {t for s in mr.test.texts for t in s.lower().split()} - train_tokens
    assert test_only  # MR's test split has words the training split lacks ...
    word = sorted(test_only)[0]
    ids = mr_preprocessor(tf.constant([f"the {word}"])).numpy()[0]
    assert ids[1] == text.OOV_ID  # ... and they map to OOV
    assert mr_preprocessor.get_vocabulary()[ids[0]] == "the"
    assert mr_preprocessor.vocabulary_size == len(vocabulary)


def test_mr_batches_cover_every_example_once(mr, mr_preprocessor):
    dataset = text.make_dataset(mr.test, mr_preprocessor, mr.labels, batch_size=100)
    seen_labels, rows = [], 0
    for ids, labels in dataset:
        assert ids.dtype == tf.int32 and labels.dtype == tf.int32
        assert ids.shape[1] >= 5  # min_length
        # padded per batch: the longest row of the batch has no padding at its end
        lengths = tf.reduce_sum(tf.cast(ids != 0, tf.int32), axis=1)
        assert int(tf.reduce_max(lengths)) == ids.shape[1] or ids.shape[1] == 5
        seen_labels.extend(labels.numpy().tolist())
        rows += ids.shape[0]
    assert rows == 1066
    assert seen_labels == mr.labels.encode(mr.test).tolist()  # order kept without buckets


def test_dataset_matches_preprocessor_on_raw_strings(mr, mr_preprocessor):
    """The tf.data path and the in-model path give the same ids (what export relies on)."""
    subset = mr.test.subset(range(64))
    ids, _ = next(iter(text.make_dataset(subset, mr_preprocessor, mr.labels, batch_size=64)))
    direct = mr_preprocessor(tf.constant(subset.texts))
    np.testing.assert_array_equal(ids.numpy(), direct.numpy())


def test_bucketing_reduces_padding_and_is_seeded(mr, mr_preprocessor):
    def padding(dataset):
        total = 0
        for ids, _ in dataset:
            total += int(tf.reduce_sum(tf.cast(ids == 0, tf.int32)))
        return total

    train = mr.train.subset(range(3000))
    plain = text.make_dataset(train, mr_preprocessor, mr.labels, 50, shuffle=True, seed=1)
    bucketed = text.make_dataset(
        train, mr_preprocessor, mr.labels, 50, shuffle=True, seed=1, bucket_boundaries="auto"
    )
    assert padding(bucketed) < 0.5 * padding(plain)

    def first_batches():
        dataset = text.make_dataset(
            train, mr_preprocessor, mr.labels, 50, shuffle=True, seed=1, bucket_boundaries="auto"
        )
        return [y.numpy().tolist() for _, y in dataset.take(3)], dataset

    first, _ = first_batches()
    again, dataset = first_batches()
    assert again == first  # same seed, same stream
    rows = sum(int(y.shape[0]) for _, y in dataset)
    assert rows == 3000


def test_reshuffles_each_epoch(mr, mr_preprocessor):
    dataset = text.make_dataset(mr.test, mr_preprocessor, mr.labels, 1066, shuffle=True, seed=3)
    epoch1 = next(iter(dataset))[1].numpy()
    epoch2 = next(iter(dataset))[1].numpy()
    assert not np.array_equal(epoch1, epoch2)
    assert np.array_equal(np.sort(epoch1), np.sort(epoch2))


# --------------------------------------------------------------------------- errors


def test_unseen_test_label_names_file_and_line(tmp_path):
    train = write(tmp_path, "train.tsv", "pos\tgood\nneg\tbad\n")
    test = write(tmp_path, "test.tsv", "pos\tfine\n\nmeh\tso so\n")
    with pytest.raises(InputError) as error:
        text.load_text_classification(train_file=train, test_file=test)
    assert str(error.value).startswith(f"{test}:3: label 'meh' does not occur")


@pytest.mark.parametrize(
    "content, line, problem",
    [
        ("pos\tgood\nneg bad\n", 2, "expected 2 tab-separated columns"),
        ("pos\tgood\n\t  text\n", 2, "empty label"),
        ("pos\tgood\nneg\t \n", 2, "empty text"),
        ("", None, "no examples"),
        ("\n  \n", None, "no examples"),
        (b"pos\tgood\nneg\tcaf\xe9\n", 2, "not valid utf-8"),
    ],
)
def test_tsv_errors(tmp_path, content, line, problem):
    path = write(tmp_path, "data.tsv", content)
    with pytest.raises(InputError) as error:
        text.read_tsv(path)
    assert error.value.line == line and error.value.path == path
    assert problem in str(error.value)


def test_tsv_tabs_after_the_first_belong_to_the_text(tmp_path):
    path = write(tmp_path, "tabs.tsv", "pos\tgood\tfun film\nneg\t dull \t\n")
    examples = text.read_tsv(path)
    assert examples.labels == ["pos", "neg"]
    assert examples.texts == ["good\tfun film", "dull"]
    preprocessor = text.TextPreprocessor.from_texts(examples.texts)
    assert sorted(preprocessor.vocabulary) == ["dull", "film", "fun", "good"]


def test_tsv_encoding_crlf_bom_and_missing_file(tmp_path):
    path = write(tmp_path, "latin.tsv", "pos\tcafé crème\r\nneg\tbof\r\n".encode("latin-1"))
    examples = text.read_tsv(path, encoding="latin-1")
    assert examples.texts == ["café crème", "bof"]
    bom = write(tmp_path, "bom.tsv", "\ufeffpos\tgood\n")
    assert text.read_tsv(bom).labels == ["pos"]
    with pytest.raises(InputError, match="unknown encoding"):
        text.read_tsv(path, encoding="no-such-codec")
    with pytest.raises(InputError, match="file not found"):
        text.read_tsv(tmp_path / "missing.tsv")


def test_csv_with_header_quotes_and_line_numbers(tmp_path):
    content = 'id,text,label\n1,"hello, world",pos\n2,"two\nlines",neg\n3,"ok",huh\n'
    path = write(tmp_path, "data.csv", content)
    examples = text.read_text_file(path)
    assert examples.texts == ["hello, world", "two\nlines", "ok"]
    assert examples.labels == ["pos", "neg", "huh"]
    assert examples.lines == [2, 3, 5]
    plain = write(tmp_path, "plain.csv", "pos,great\nneg,awful\n")
    assert text.read_csv(plain).labels == ["pos", "neg"]
    bad = write(tmp_path, "bad.csv", "label,text\npos,fine\nneg,a,b\n")
    with pytest.raises(InputError) as error:
        text.read_csv(bad)
    assert error.value.line == 3 and "columns" in error.value.problem


# --------------------------------------------------------------------------- tokenization


@pytest.mark.parametrize("model", ["mean_embedding", "transformer", "rnn_attention", "textcnn"])
def test_texts_without_tokens_are_one_unknown_word(model):
    from kerasdl import models

    preprocessor = text.TextPreprocessor.from_texts(
        ["a fine film", "a dull film"], strip_punctuation=True, min_length=3, max_length=8
    )
    texts = ["", "?!", "fine film"]
    ids = preprocessor(tf.constant(texts)).numpy()
    assert ids.tolist() == [[1, 0, 0], [1, 0, 0], [ids[2, 0], ids[2, 1], 0]] and ids[2, 0] > 1
    assert preprocessor(tf.constant(["", ""])).numpy().tolist() == [[1, 0, 0]] * 2
    examples = text.TextExamples(texts, ["pos"] * 3, "x.tsv")
    batch, _ = next(iter(text.make_dataset(examples, preprocessor, text.LabelVocabulary(["pos"]))))
    np.testing.assert_array_equal(batch.numpy(), ids)  # the tf.data path agrees
    builder = getattr(models, model)
    extra = {
        "transformer": {"max_length": 8, "num_layers": 1, "num_heads": 1},
        "textcnn": {"kernel_sizes": (2, 3), "filters": 2},
    }.get(model, {})
    classifier = builder(preprocessor.vocabulary_size, 2, embedding_dim=4, **extra)
    probabilities = np.asarray(classifier(ids))
    assert np.isfinite(probabilities).all(), probabilities


def test_standardization_options():
    texts = ["The Movie's 1997 RELEASE, wow!"]
    default = text.TextPreprocessor.from_texts(texts)
    assert sorted(default.vocabulary) == sorted(["the", "movie's", "1997", "release,", "wow!"])
    digits = text.TextPreprocessor.from_texts(texts, normalize_digits=True, lowercase=False)
    assert "0000" in digits.vocabulary and "The" in digits.vocabulary
    split = text.TextPreprocessor.from_texts(texts, split_punctuation=True)
    assert {"movie", "'", "s", ",", "!"} <= set(split.vocabulary)
    stripped = text.TextPreprocessor.from_texts(texts, strip_punctuation=True)
    assert "movies" in stripped.vocabulary and "wow" in stripped.vocabulary


def test_min_count_max_tokens_and_lengths():
    texts = ["a a a b b c", "a b d"]
    preprocessor = text.TextPreprocessor.from_texts(texts, min_count=2)
    assert preprocessor.vocabulary == ["a", "b"]  # by frequency; c and d are rare
    assert text.TextPreprocessor.from_texts(texts, max_tokens=3).vocabulary == ["a"]
    bounded = text.TextPreprocessor.from_texts(texts, min_length=4, max_length=5)
    ids = bounded(tf.constant(["a", "a b c d a b c d"])).numpy()
    assert ids.shape == (2, 5)
    np.testing.assert_array_equal(ids[0], [2, 0, 0, 0, 0])
    assert bounded(tf.constant(["a"])).shape == (1, 4)
    assert bounded(tf.constant([], dtype=tf.string)).shape[0] == 0


def test_preprocessor_saves_and_exports_raw_strings(tmp_path, mr_preprocessor):
    inputs = keras.Input(shape=(), dtype="string")
    ids = mr_preprocessor(inputs)
    pooled = keras.layers.GlobalAveragePooling1D()(
        keras.layers.Embedding(mr_preprocessor.vocabulary_size, 4)(ids)
    )
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(pooled))
    batch = tf.constant(["a gorgeous , witty film", "dull and overlong"])
    expected = model(batch).numpy()
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored(batch).numpy(), expected, rtol=1e-6)
    model.export(str(tmp_path / "export"), verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "export"))
    np.testing.assert_allclose(loaded.serve(batch).numpy(), expected, rtol=1e-6)


# --------------------------------------------------------------------------- TFDS


def test_tfds_names_through_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=12):
        trec = text.load_tfds_text("trec", "train")
        assert len(trec) == 12 and trec.source == "tfds:trec/train"
        assert set(trec.labels) <= {"DESC", "ENTY", "ABBR", "HUM", "NUM", "LOC"}
        news = text.load_tfds_text("ag_news_subset", "train")
        assert set(news.labels) <= {"World", "Sports", "Business", "Sci/Tech"}
        data = text.load_text_classification(dataset="glue/sst2")
        assert len(data.train) == 12 and len(data.test) == 12
        assert data.test.source == "tfds:glue/sst2/validation"
        assert data.labels.names == sorted(set(data.train.labels))


def test_tfds_text_is_used_verbatim():
    tfds = pytest.importorskip("tensorflow_datasets")

    def as_dataset(self, *args, **kwargs):
        texts = [b"a fine film", b"awful", b"so-so"]
        return tf.data.Dataset.from_tensor_slices(
            {"text": tf.constant(texts), "label": tf.constant([1, 0, -1], tf.int64)}
        )

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        with pytest.raises(InputError, match="example 3 is unlabelled"):
            text.load_tfds_text("imdb_reviews", "test")

    def labelled(self, *args, **kwargs):
        return tf.data.Dataset.from_tensor_slices(
            {"text": tf.constant([b"a fine film", b"awful"]), "label": tf.constant([1, 0])}
        )

    with tfds.testing.mock_data(as_dataset_fn=labelled):
        examples = text.load_tfds_text("imdb_reviews", "train")
    assert examples.texts == ["a fine film", "awful"]
    assert examples.labels == ["pos", "neg"]


# --------------------------------------------------------------------------- properties

_PIECES = [b"pos", b"neg", b"\t", b"\n", b"\r\n", b" ", b",", b'"', b"a b", b"\xff", b"\xc3\xa9"]
_PIECES += [b"\x00", b"\xef\xbb\xbf", b"\xe2\x80\xa8", b"label", b"text", b"\x0c"]
_GOOD = [b"pos\ta fine film", b"neg\tdull , flat", b"label,text", b'pos,"a, b"', b"neg,caf\xc3\xa9"]
_FIELDS = [b"pos", b"neg", b"a fine film", b"caf\xc3\xa9", b"", b" ", b'"q"', b'"a,\nb"', b"\xff"]


_BYTES = bytes_near_a_format(_GOOD, _FIELDS, [b"\t", b","], _PIECES, max_fields=4, max_lines=8)


def _max_line(data: bytes) -> int:
    """The last line number a file can have: the csv module also breaks lines at a lone \\r."""
    return data.count(b"\n") + data.count(b"\r") + 1


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(
    data=_BYTES,
    suffix=st.sampled_from([".tsv", ".csv"]),
    encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]),
)
def test_readers_parse_or_raise_input_error_on_arbitrary_bytes(data, suffix, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "data" + suffix)
        with open(path, "wb") as f:
            f.write(data)
        try:
            examples = text.read_text_file(path, encoding=encoding)
        except InputError as error:
            assert str(error).startswith(path)
            assert error.line is None or 1 <= error.line <= _max_line(data)
            return
    assert len(examples) >= 1
    assert len(examples.texts) == len(examples.labels) == len(examples.lines)
    pairs = zip(examples.texts, examples.labels, strict=True)
    assert all(t.strip() and label.strip() for t, label in pairs)
    assert all(1 <= n <= _max_line(data) for n in examples.lines)
    if suffix == ".tsv":  # the label ends at the first tab
        assert all("\t" not in label for label in examples.labels)


@hypothesis.settings(max_examples=15, deadline=None)
@hypothesis.given(texts=st.lists(st.text(max_size=30), min_size=1, max_size=8))
def test_preprocessor_handles_any_unicode(texts):
    preprocessor = text.TextPreprocessor.from_texts(texts, normalize_digits=True)
    ids = preprocessor(tf.constant(texts)).numpy()
    assert ids.shape[0] == len(texts) and ids.min() >= 0
    assert ids.max() < preprocessor.vocabulary_size

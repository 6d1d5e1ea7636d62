"""kerasdl.data.tagging: the CoNLL reader on real CoNLL-2000 data and on edge cases, tag
schemes (validation, conversion round trips), vocabularies, in-graph lookups, batches, TFDS
names (mocked), and a property test that the reader never crashes on arbitrary bytes."""

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

from kerasdl import conlleval
from kerasdl.data import tagging
from kerasdl.data.errors import InputError


def write(tmp_path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


@pytest.fixture(scope="module")
def conll2000(shared_data):
    folder = shared_data / "conll2000"
    return tagging.load_tagging(
        train_file=str(folder / "train.txt"), test_file=str(folder / "test.txt")
    )


@pytest.fixture(scope="module")
def preprocessor(conll2000):
    return tagging.TaggingPreprocessor.from_corpus(
        conll2000.train, lowercase=True, normalize_digits=True, min_word_length=3
    )


# --------------------------------------------------------------------------- real data


def test_conll2000_counts_scheme_and_tags(conll2000):
    assert (len(conll2000.train), len(conll2000.test)) == (8936, 2012)
    assert conll2000.train.num_tokens == 211727
    assert conll2000.scheme == "IOB2"
    assert conll2000.train.tokens[0][:3] == ["Confidence", "in", "the"]
    assert conll2000.train.tags[0][:4] == ["B-NP", "B-PP", "B-NP", "I-NP"]
    assert conll2000.train.lines[:2] == [1, 39]  # 37 tokens, a blank line, then sentence 2
    # 11 chunk types, each with B- and I- (I-LST is in test only; the tag set is closed
    # under the scheme), and O first so that padding id 0 is a real, common tag.
    assert len(conll2000.tags) == 23 and conll2000.tags.names[0] == "O"
    assert "I-LST" in conll2000.tags.names


def test_conll2000_scheme_round_trips(conll2000):
    for target in ("BIOES", "IOB1"):
        there = tagging.convert_corpus(conll2000.test, "IOB2", target)
        tagging.check_scheme(there, target)
        back = tagging.convert_corpus(there, target, "IOB2")
        assert back.tags == conll2000.test.tags
    bioes = tagging.convert_corpus(conll2000.test, "IOB2", "BIOES")
    assert tagging.infer_scheme(bioes.tags) == "BIOES"
    # "Rockwell International Corp. 's Tulsa unit": B I I B I I -> B I E B I E
    assert bioes.tags[0][:6] == ["B-NP", "I-NP", "E-NP", "B-NP", "I-NP", "E-NP"]


def test_train_scheme_option(shared_data):
    folder = shared_data / "conll2000"
    data = tagging.load_tagging(
        train_file=str(folder / "test.txt"), tag_scheme="IOB2", train_scheme="BIOES"
    )
    assert (
        data.scheme == "BIOES" and len(data.tags) == 1 + 4 * 10
    )  # test.txt has 10 of the 11 types
    assert {t[0] for t in data.tags.names} == {"O", "B", "I", "E", "S"}
    iob2 = data.tags.names_in("BIOES", "IOB2")
    for sentence in data.train.tags[:50]:
        ids = [data.tags.names.index(t) for t in sentence]
        assert [iob2[i] for i in ids] == tagging.convert_tags(sentence, "BIOES", "IOB2")
    with pytest.raises(ValueError, match="neighbouring"):
        data.tags.names_in("IOB2", "BIOES")
    assert data.tags.decode_batch([[1, 2, 0], [0, 0, 0]], [2, 0]) == [data.tags.names[1:3], []]


def test_batches(conll2000, preprocessor):
    dataset = tagging.make_dataset(conll2000.test, preprocessor, conll2000.tags, batch_size=64)
    sentences = 0
    for features, tag_ids in dataset:
        lengths = features["lengths"].numpy()
        steps = tag_ids.shape[1]
        assert features["token_ids"].shape == tag_ids.shape == (len(lengths), steps)
        assert features["char_ids"].shape[:2] == tag_ids.shape
        assert features["char_ids"].shape[2] >= 3
        assert lengths.max() == steps
        mask = np.arange(steps)[None, :] < lengths[:, None]
        assert np.all((features["token_ids"].numpy() > 0) == mask)
        assert np.all(tag_ids.numpy()[~mask] == 0)
        for k in (0, len(lengths) - 1):
            i = sentences + k
            expected = conll2000.tags.encode(conll2000.test.subset([i]))[0]
            np.testing.assert_array_equal(tag_ids[k, : lengths[k]].numpy(), expected)
        sentences += len(lengths)
    assert sentences == 2012


def test_bucketed_training_batches(conll2000, preprocessor):
    train = conll2000.train.subset(range(2000))
    dataset = tagging.make_dataset(
        train,
        preprocessor,
        conll2000.tags,
        batch_size=32,
        shuffle=True,
        seed=0,
        bucket_boundaries="auto",
        include_tokens=True,
        singleton_unk_rate=1.0,
        singletons=tagging.singleton_words(train, preprocessor),
    )
    plain_padding = 0
    for features, _ in tagging.make_dataset(train, preprocessor, conll2000.tags, 32):
        plain_padding += int(np.sum(features["token_ids"].numpy() == 0))
    tokens_seen = unknown = padding = 0
    for features, tag_ids in dataset:
        lengths = features["lengths"].numpy()
        tokens_seen += int(lengths.sum())
        padding += tag_ids.shape[0] * tag_ids.shape[1] - int(lengths.sum())
        unknown += int(np.sum(features["token_ids"].numpy() == 1))
        assert features["tokens"].dtype == tf.string
    assert tokens_seen == train.num_tokens
    assert padding < 0.3 * plain_padding  # buckets keep padding small
    # with rate 1 every singleton becomes OOV (min_count=1, so none were OOV before)
    assert unknown >= len(tagging.singleton_words(train, preprocessor))


def test_batches_fit_a_keras_model_by_input_name(conll2000, preprocessor):
    """The feature dict feeds a functional model whose Inputs carry the same names."""
    token_ids = keras.Input((None,), dtype="int32", name="token_ids")
    char_ids = keras.Input((None, None), dtype="int32", name="char_ids")
    lengths = keras.Input((), dtype="int32", name="lengths")
    words = keras.layers.Embedding(preprocessor.word_vocabulary_size, 8, mask_zero=True)(token_ids)
    chars = keras.layers.Embedding(preprocessor.char_vocabulary_size, 4)(char_ids)
    features = keras.layers.Concatenate()([words, keras.ops.max(chars, axis=2)])
    logits = keras.layers.Dense(len(conll2000.tags))(features)
    model = keras.Model({"token_ids": token_ids, "char_ids": char_ids, "lengths": lengths}, logits)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    train = conll2000.train.subset(range(256))
    dataset = tagging.make_dataset(train, preprocessor, conll2000.tags, 64, shuffle=True, seed=0)
    history = model.fit(dataset, epochs=2, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# --------------------------------------------------------------------------- reader


def test_reader_docstart_blank_runs_crlf_and_no_final_blank(tmp_path):
    content = (
        "-DOCSTART- -X- -X- O\n\n"
        "EU NNP B-ORG\r\nrejects VBZ O\n\n\n\n"
        "-DOCSTART- -X- -X- O\n"
        "German JJ B-MISC\n"
        "-DOCSTART- -X- -X- O\n"
        "Peter NNP B-PER\n  \t \nBlackburn NNP B-PER"
    )
    corpus = tagging.read_conll(write(tmp_path, "a.txt", content))
    assert corpus.tokens == [["EU", "rejects"], ["German"], ["Peter"], ["Blackburn"]]
    assert corpus.tags == [["B-ORG", "O"], ["B-MISC"], ["B-PER"], ["B-PER"]]
    assert corpus.lines == [3, 9, 11, 13]
    pos = tagging.read_conll(write(tmp_path, "a.txt", content), tag_column=1)
    assert pos.tags[0] == ["NNP", "VBZ"]
    reverse = tagging.read_conll(write(tmp_path, "b.txt", "B-NP\tThe\n"), 1, 0, separator="\t")
    assert reverse.tokens == [["The"]] and reverse.tags == [["B-NP"]]
    untagged = tagging.read_conll(write(tmp_path, "c.txt", "The\ncat\n"), tag_column=None)
    assert untagged.tokens == [["The", "cat"]] and untagged.tags is None


def test_reader_encoding(tmp_path):
    path = write(tmp_path, "es.txt", "Señor B-PER\nGarcía I-PER\n".encode("latin-1"))
    with pytest.raises(InputError) as error:
        tagging.read_conll(path)
    assert error.value.line == 1 and "give the file's encoding" in error.value.problem
    assert tagging.read_conll(path, encoding="latin-1").tokens == [["Señor", "García"]]


@pytest.mark.parametrize(
    "content, kwargs, line, problem",
    [
        ("a DT B-NP\nb NN\n", {}, 2, "expected 3 columns"),
        ("a\n", {}, 1, "expected at least 2 columns"),
        ("a\tDT\tB-NP\n\tNN\tI-NP\n", {"separator": "\t"}, 2, "empty token"),
        ("a\tDT\t\n", {"separator": "\t"}, 1, "empty tag"),
        ("", {}, None, "no sentences"),
        ("\n\n-DOCSTART- O\n\n", {}, None, "no sentences"),
        (b"a B-NP\n\nb \xff\n", {}, 3, "not valid utf-8"),
    ],
)
def test_reader_errors(tmp_path, content, kwargs, line, problem):
    path = write(tmp_path, "bad.txt", content)
    with pytest.raises(InputError) as error:
        tagging.read_conll(path, **kwargs)
    assert (error.value.path, error.value.line) == (path, line)
    assert problem in error.value.problem


def test_feature_columns_are_read_with_their_lines_and_checked(tmp_path):
    content = "-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\n"
    path = write(tmp_path, "a.txt", content)
    corpus = tagging.read_conll(path, feature_columns=[1])
    assert corpus.columns == [[("NNP",), ("VBZ",)], [("NNP",)]] and corpus.num_columns == 1
    assert corpus.subset([1]).columns == [[("NNP",)]]
    assert tagging.read_conll(path).columns is None
    with pytest.raises(InputError) as error:
        tagging.read_conll(path, feature_columns=[3])
    assert error.value.line == 3 and "expected at least 4 columns" in error.value.problem
    with pytest.raises(InputError) as error:
        tagging.read_conll(path, feature_columns=[-1])  # the tag column, counted from the end
    assert "feature column -1 is the token or the tag column" in error.value.problem
    empty = write(tmp_path, "b.txt", "a\tDT\tB-NP\nb\t\tI-NP\n")
    with pytest.raises(InputError) as error:
        tagging.read_conll(empty, separator="\t", feature_columns=[1])
    assert error.value.line == 2 and "empty value in feature column 1" in error.value.problem
    with pytest.raises(InputError, match="CoNLL files only"):
        tagging.load_tagging(dataset="conll2003", feature_columns=[1])


def test_casing_classes_on_unicode_tokens():
    tokens = {
        "the": "lower", "1990s": "lower", "e-mail": "lower", "été": "lower",
        "Paris": "title", "Été": "title", "O'neil": "title", "Ǆemal": "title",
        "IBM": "upper", "A": "upper", "U.S.": "upper", "ÉTÉ": "upper", "A4": "upper",
        "McDonald": "mixed", "iPhone": "mixed", "O'Neil": "mixed",
        "1,000": "numeric", "-3.5%": "numeric", "٣": "numeric",
        ",": "punctuation", "--": "punctuation", "$": "punctuation",
        "漢字": "other", "": "padding",
    }  # fmt: skip
    ids = tagging.casing(tf.constant([list(tokens)]))  # any shape: here [1, N]
    assert [tagging.CASINGS[i] for i in ids.numpy()[0]] == list(tokens.values())


def test_feature_columns_and_casing_reach_the_batches_and_round_trip():
    corpus = tagging.TaggedCorpus(
        [["EU", "rejects", "it"], ["Peter"]],
        [["B-ORG", "O", "O"], ["B-PER"]],
        "toy",
        columns=[[("NNP",), ("VBZ",), ("PRP",)], [("NNP",)]],
    )
    preprocessor = tagging.TaggingPreprocessor.from_corpus(corpus, lowercase=True, casing=True)
    # Ordered as the word vocabulary (`sequence.vocabulary`): most frequent first, ties
    # alphabetical.
    assert preprocessor.column_vocabularies == [["NNP", "PRP", "VBZ"]]
    assert preprocessor.column_vocabulary_sizes == [5]  # padding, OOV and 3 tags
    tags = tagging.TagVocabulary.from_corpus(corpus)
    features, _ = next(iter(tagging.make_dataset(corpus, preprocessor, tags, batch_size=2)))
    np.testing.assert_array_equal(features["column_ids"][..., 0], [[2, 4, 3], [2, 0, 0]])
    np.testing.assert_array_equal(features["casing_ids"], [[2, 1, 1], [3, 0, 0]])
    copy = tagging.TaggingPreprocessor.from_config(preprocessor.get_config())
    tokens = tf.constant([["Peter", "rejects", ""]])
    columns = [tf.constant([["VBZ", "JJ", "NNP"]])]  # JJ unseen: OOV; padding stays 0
    for layer in (preprocessor, copy):
        out = layer(tokens, columns)
        np.testing.assert_array_equal(out["column_ids"][..., 0], [[4, 1, 0]])
        np.testing.assert_array_equal(out["casing_ids"], [[3, 1, 0]])  # title, lower, padding
    with pytest.raises(ValueError, match="expected 1 feature columns, got 0"):
        preprocessor(tokens)
    plain = tagging.TaggedCorpus(corpus.tokens, corpus.tags, "plain.txt")
    with pytest.raises(InputError, match="plain.txt: has 0 feature columns"):
        tagging.make_dataset(plain, preprocessor, tags)


def test_bad_tag_for_scheme_names_the_line(tmp_path):
    train = write(tmp_path, "train.txt", "The B-NP\ncat I-NP\n\nsat B-VP\n")
    bad = write(tmp_path, "bad.txt", "The B-NP\n\nsat O\ndown I-VP\n")
    with pytest.raises(InputError) as error:
        tagging.load_tagging(train_file=train, test_file=bad, tag_scheme="IOB2")
    assert str(error.value).startswith(f"{bad}:4: bad tag for IOB2: 'I-VP' after 'O'")
    not_a_chunk_tag = write(tmp_path, "pos_in_test.txt", "The B-NP\ncat VBD\n")
    with pytest.raises(InputError) as error:
        tagging.load_tagging(train_file=train, test_file=not_a_chunk_tag)
    assert str(error.value).startswith(f"{not_a_chunk_tag}:2: bad tag for IOB2")


def test_tags_unseen_in_training_are_valid_test_data_scored_as_misses(tmp_path):
    train = write(tmp_path, "train.txt", "The B-NP\ncat I-NP\n\nsat B-VP\n")
    unseen = write(tmp_path, "unseen.txt", "The B-NP\ncat I-NP\n\nsat B-PP\nin I-PP\n")
    data = tagging.load_tagging(train_file=train, test_file=unseen, train_scheme="BIOES")
    assert "B-PP" not in data.tags.names and "S-VP" in data.tags.names
    assert data.test.tags[1] == ["B-PP", "E-PP"]
    assert data.tags.unseen(data.test) == {"B-PP": 1, "E-PP": 1}
    ids = data.tags.encode(data.test)
    assert ids[1].tolist() == [data.tags.unseen_id] * 2 == [data.tags.names.index("O")] * 2
    guessed = [["B-NP", "I-NP"], ["O", "O"]]
    scores = conlleval.evaluate([["B-NP", "I-NP"], ["B-PP", "I-PP"]], guessed)
    assert (scores.found_gold, scores.found_guessed, scores.correct_chunks) == (2, 1, 1)
    assert scores.per_type()["PP"]["recall"] == 0.0
    # no scheme (POS-style tags): the tag set is exactly the training tags; no O, so id 0
    pos = write(tmp_path, "pos.txt", "The DT\ncat NN\n")
    pos_test = write(tmp_path, "pos_test.txt", "The DT\n\nran VBD\n")
    data = tagging.load_tagging(train_file=pos, test_file=pos_test)
    assert data.scheme is None and data.tags.names == ["DT", "NN"]
    assert data.tags.unseen(data.test) == {"VBD": 1}
    assert [row.tolist() for row in data.tags.encode(data.test)] == [[0], [0]]


# --------------------------------------------------------------------------- schemes


def test_scheme_examples():
    iob2 = ["B-NP", "I-NP", "B-NP", "O", "B-VP", "I-VP", "I-VP", "B-PP"]
    assert tagging.spans(iob2, "IOB2") == [("NP", 0, 2), ("NP", 2, 3), ("VP", 4, 7), ("PP", 7, 8)]
    assert tagging.convert_tags(iob2, "BIO", "IOB1") == [
        "I-NP",
        "I-NP",
        "B-NP",
        "O",
        "I-VP",
        "I-VP",
        "I-VP",
        "I-PP",
    ]
    assert tagging.convert_tags(iob2, "IOB2", "iobes") == [
        "B-NP",
        "E-NP",
        "S-NP",
        "O",
        "B-VP",
        "I-VP",
        "E-VP",
        "S-PP",
    ]
    assert tagging.convert_tags(["B", "I", "O", "B"], "IOB2", "BIOES") == ["B", "E", "O", "S"]


@pytest.mark.parametrize(
    "tags, scheme, index",
    [
        (["O", "I-NP"], "IOB2", 1),
        (["B-NP", "I-VP"], "IOB2", 1),
        (["O", "B-NP"], "IOB1", 1),
        (["I-NP", "B-VP"], "IOB1", 1),
        (["B-NP", "O"], "BIOES", 1),
        (["B-NP", "E-VP"], "BIOES", 1),
        (["S-NP", "I-NP", "E-NP"], "BIOES", 1),
        (["B-NP", "I-NP"], "BIOES", 1),
        (["E-NP"], "IOB2", 0),
        (["NN"], "BIOES", 0),
    ],
)
def test_strict_schemes_reject(tags, scheme, index):
    with pytest.raises(tagging.TagSchemeError) as error:
        tagging.spans(tags, scheme)
    assert error.value.index == index


def test_lenient_reading_of_predictions():
    # conlleval's reading: I- without B- starts a chunk, a type change ends one
    assert tagging.spans(["O", "I-NP", "I-NP", "I-VP"], "IOB2", strict=False) == [
        ("NP", 1, 3),
        ("VP", 3, 4),
    ]
    assert tagging.spans(["B-NP", "I-NP", "O", "E-VP", "I-VP"], "BIOES", strict=False) == [
        ("NP", 0, 2),
        ("VP", 3, 4),
        ("VP", 4, 5),
    ]
    assert tagging.infer_scheme([["I-NP", "B-NP"]]) == "IOB1"
    assert tagging.infer_scheme([["NN", "VB"]]) is None
    with pytest.raises(ValueError, match="unknown tag scheme"):
        tagging.normalize_scheme("IO")


_TYPES = st.sampled_from(["NP", "VP", "PER", ""])


@st.composite
def chunked(draw):
    """A sentence length and non-overlapping chunks in it."""
    length = draw(st.integers(0, 12))
    cuts = sorted(draw(st.lists(st.integers(0, length), max_size=8)))
    chunks = []
    position = 0
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        a = max(a, position)
        if b > a and draw(st.booleans()):
            chunks.append((draw(_TYPES), a, b))
            position = b
    return length, chunks


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(chunked(), st.sampled_from(tagging.SCHEMES), st.sampled_from(tagging.SCHEMES))
def test_render_parse_and_convert_round_trip(sentence, source, target):
    length, chunks = sentence
    tags = tagging.render_spans(chunks, length, source)
    assert tagging.spans(tags, source) == chunks
    converted = tagging.convert_tags(tags, source, target)
    assert tagging.spans(converted, target) == chunks
    assert tagging.convert_tags(converted, target, source) == tags


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(
    st.lists(st.sampled_from(["O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y", "E-Y"]), max_size=10)
)
def test_lenient_spans_never_fail_and_cover_valid_chunks(tags):
    result = tagging.spans(tags, "BIOES", strict=False)
    previous_end = 0
    for chunk_type, start, end in result:
        assert previous_end <= start < end <= len(tags)
        assert all(tags[i] != "O" and tags[i].endswith(chunk_type) for i in range(start, end))
        previous_end = end
    iob = [t.replace("E-", "I-").replace("S-", "B-") for t in tags]
    assert len(tagging.convert_tags(iob, "IOB2", "BIOES", strict=False)) == len(tags)


# --------------------------------------------------------------------------- vocabularies


def test_preprocessor_lookups(conll2000, preprocessor):
    vocabulary = preprocessor.words
    assert "the" in vocabulary and "The" not in vocabulary  # lower-cased
    assert "0.0" in vocabulary and "1.5" not in vocabulary  # digits normalised
    out = preprocessor(tf.constant([["The", "THE", "1997", "zzzqqq"], ["A", "", "", ""]]))
    ids = out["token_ids"].numpy()
    assert ids[0, 0] == ids[0, 1] == vocabulary.index("the") + 2
    assert ids[0, 2] == vocabulary.index("0000") + 2
    assert ids[0, 3] == 1 and list(ids[1, 1:]) == [0, 0, 0]
    assert out["lengths"].numpy().tolist() == [4, 1]
    chars = out["char_ids"].numpy()
    assert chars.shape == (2, 4, 6)
    # characters keep case: 'T' and 't' differ, while the words 'The' and 'THE' share an id
    assert chars[0, 0, 0] != chars[0, 1, 1] and chars[0, 0, 0] == chars[0, 1, 0]
    assert np.all(chars[1, 1:] == 0)
    ragged = preprocessor(tf.ragged.constant([["The", "THE", "1997", "zzzqqq"], ["A"]]))
    for key in out:
        np.testing.assert_array_equal(ragged[key].numpy(), out[key].numpy())
    assert preprocessor.word_vocabulary_size == len(vocabulary) + 2
    assert preprocessor.char_vocabulary_size == len(preprocessor.chars) + 2


def test_vocabulary_options():
    corpus = tagging.TaggedCorpus([["a", "a", "b", "Émile"], ["c"]], None, "x")
    counted = tagging.TaggingPreprocessor.from_corpus(corpus, min_count=2, extra_words=["zed"])
    assert counted.words == ["a", "zed"]
    lowered = tagging.TaggingPreprocessor.from_corpus(corpus, lowercase=True)
    assert "émile" in lowered.words  # Unicode lower-casing, not ASCII only
    short = tagging.TaggingPreprocessor.from_corpus(corpus, max_word_length=2)
    assert short(tf.constant([["Émile"]]))["char_ids"].shape == (1, 1, 2)
    empty = tagging.TaggingPreprocessor([], [])
    assert empty(tf.constant([["a", ""]]))["token_ids"].numpy().tolist() == [[1, 0]]


def test_preprocessor_saves_and_exports_token_strings(tmp_path, preprocessor):
    tokens = keras.Input(shape=(None,), dtype="string")
    features = preprocessor(tokens)
    embedded = keras.layers.Embedding(preprocessor.word_vocabulary_size, 4)(features["token_ids"])
    model = keras.Model(tokens, keras.layers.Dense(3)(embedded))
    batch = tf.constant([["He", "reckons", "the", "deficit"], ["Fine", "", "", ""]])
    expected = model(batch).numpy()
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored(batch).numpy(), expected, rtol=1e-6)
    model.export(str(tmp_path / "export"), verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "export"))
    np.testing.assert_allclose(loaded.serve(batch).numpy(), expected, rtol=1e-6)


# --------------------------------------------------------------------------- TFDS


def test_tfds_conll2003_through_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")

    def as_dataset(self, *args, **kwargs):
        sentences = [["EU", "rejects", "German"], ["Peter"]]
        ner = [[3, 0, 7], [1]]  # B-ORG O B-MISC / B-PER in TFDS's conll2003 label list
        return tf.data.Dataset.from_generator(
            lambda: (
                {"tokens": s, "ner": n, "pos": [0] * len(s), "chunks": [0] * len(s)}
                for s, n in zip(sentences, ner, strict=True)
            ),
            output_signature={
                "tokens": tf.TensorSpec([None], tf.string),
                "ner": tf.TensorSpec([None], tf.int64),
                "pos": tf.TensorSpec([None], tf.int64),
                "chunks": tf.TensorSpec([None], tf.int64),
            },
        )

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        corpus = tagging.load_tfds_tagging("conll2003", "train")
        data = tagging.load_tagging(dataset="conll2003")
    assert corpus.tokens == [["EU", "rejects", "German"], ["Peter"]]
    assert corpus.tags == [["B-ORG", "O", "B-MISC"], ["B-PER"]]
    assert corpus.source == "tfds:conll2003/train" and corpus.lines is None
    assert data.scheme == "IOB2" and "I-PER" in data.tags.names

    def mismatched(self, *args, **kwargs):
        return tf.data.Dataset.from_tensors(
            {"tokens": ["a", "b"], "ner": [0], "pos": [0, 0], "chunks": [0, 0]}
        )

    with tfds.testing.mock_data(as_dataset_fn=mismatched):
        with pytest.raises(InputError, match="sentence 1 has 2 tokens but 1 tags"):
            tagging.load_tfds_tagging("conll2003", "test")


# --------------------------------------------------------------------------- properties

_PIECES = [b"The", b"B-NP", b"I-NP", b"O", b"E-X", b"-DOCSTART-", b" ", b"\t", b"\n", b"\n\n"]
_PIECES += [b"\r\n", b"\xff", b"\xc3\xa9", b"\x00", b"\x0b", b"\xe2\x80\xa8", b"NN"]
_GOOD = [b"The DT B-NP", b"cat NN I-NP", b"sat VBD B-VP", b". . O", b"", b"-DOCSTART- -X- O"]
_FIELDS = [b"The", b"B-NP", b"I-NP", b"O", b"E-X", b"S-X", b"NN", b"-DOCSTART-", b"caf\xc3\xa9"]
_FIELDS += [b"", b" ", b"\xff", b"B-VP", b"I-VP"]


_BYTES = bytes_near_a_format(_GOOD, _FIELDS, [b" ", b"\t"], _PIECES, max_fields=3, max_lines=10)


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(
    data=_BYTES,
    separator=st.sampled_from([None, "\t"]),
    scheme=st.sampled_from([None, "auto", "IOB1", "IOB2", "BIOES"]),
    encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]),
)
def test_reader_parses_or_raises_input_error_on_arbitrary_bytes(data, separator, scheme, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "data.txt")
        with open(path, "wb") as f:
            f.write(data)
        try:
            corpus = tagging.read_conll(path, separator=separator, encoding=encoding)
            if scheme == "auto":
                scheme = tagging.infer_scheme(corpus.tags)
            if scheme is not None:
                tagging.check_scheme(corpus, scheme)
        except InputError as error:
            assert str(error).startswith(path)
            assert error.line is None or 1 <= error.line <= data.count(b"\n") + 1
            return
    assert len(corpus) >= 1
    for tokens, tags, line in zip(corpus.tokens, corpus.tags, corpus.lines, strict=True):
        assert len(tokens) == len(tags) >= 1
        assert all(t and t.strip() == t for t in tokens + tags)
        assert "-DOCSTART-" not in tokens[:1]
        assert 1 <= line <= data.count(b"\n") + 1

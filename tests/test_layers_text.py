"""Text layers (TextCNN, AttentionPooling, PositionEmbedding, TransformerEncoder) and
pretrained embeddings: values against direct NumPy formulas, padding invariance through
Keras masks, config and `.keras` round trips, and file errors with their line."""

import gzip

import keras
import numpy as np
import pytest

from kerasdl.data.embeddings import UNKNOWN_SCALE, embed_tokens, load_embeddings
from kerasdl.data.errors import InputError
from kerasdl.layers import AttentionPooling, PositionEmbedding, TextCNN, TransformerEncoder

IDS = np.array([[3, 4, 5, 6, 7, 0, 0, 0], [8, 9, 0, 0, 0, 0, 0, 0], [2, 3, 4, 5, 6, 7, 8, 9]])


def embedded_model(layer, vocabulary=12, dim=6, **call_kwargs):
    ids = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(vocabulary, dim, mask_zero=True, name="embedding")(ids)
    return keras.Model(ids, layer(x, **call_kwargs))


def assert_padding_invariant(model, ids=IDS, extra=5, atol=1e-6):
    """Adding padding columns changes no output (sequence outputs: the old positions)."""
    padded = np.pad(ids, [(0, 0), (0, extra)])
    short, long = model(ids), model(padded)
    for a, b in zip(keras.tree.flatten(short), keras.tree.flatten(long), strict=True):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim >= 2 and a.shape[1] == ids.shape[1]:
            b = b[:, : ids.shape[1]]
        np.testing.assert_allclose(a, b, atol=atol)


# --------------------------------------------------------------------------- TextCNN


def numpy_textcnn(x, lengths, kernels, biases):
    """Kim 2014: c_i = relu(w . x_{i:i+h-1} + b), max over the windows inside the text."""
    out = []
    for kernel, bias in zip(kernels, biases, strict=True):
        width = kernel.shape[0]
        rows = []
        for row, n in zip(x, lengths, strict=True):
            row = np.concatenate([row[:n], np.zeros((max(width - n, 0), row.shape[1]))])
            windows = [
                np.maximum(np.einsum("wd,wdf->f", row[i : i + width], kernel) + bias, 0)
                for i in range(max(n - width + 1, 1))
            ]
            rows.append(np.max(windows, axis=0))
        out.append(np.stack(rows))
    return np.concatenate(out, axis=-1)


def test_textcnn_matches_kim_formula_and_ignores_padding():
    layer = TextCNN(filters=4, kernel_sizes=(2, 3, 5))
    model = embedded_model(layer)
    got = np.asarray(model(IDS))
    assert got.shape == (3, 12)
    x = np.asarray(model.get_layer("embedding").embeddings)[IDS]
    lengths = (IDS != 0).sum(1)
    kernels = [np.asarray(c.kernel) for c in layer.convolutions]
    biases = [np.asarray(c.bias) for c in layer.convolutions]
    # A text shorter than a width (row 1 has 2 tokens, width 3 and 5) keeps window 0.
    np.testing.assert_allclose(got, numpy_textcnn(x, lengths, kernels, biases), atol=1e-5)
    assert_padding_invariant(model)


def test_textcnn_without_mask_is_conv_plus_max():
    layer = TextCNN(filters=3, kernel_sizes=(2,), activation="linear")
    x = np.random.default_rng(0).normal(size=(2, 6, 4)).astype("float32")
    got = np.asarray(layer(x))
    conv = np.asarray(layer.convolutions[0](x))
    np.testing.assert_allclose(got, conv.max(axis=1), atol=1e-6)


def test_textcnn_config_round_trip():
    layer = TextCNN(7, (3, 4), kernel_constraint=keras.constraints.MaxNorm(3))
    clone = TextCNN.from_config(layer.get_config())
    assert clone.filters == 7 and clone.kernel_sizes == (3, 4)
    assert isinstance(clone.kernel_constraint, keras.constraints.MaxNorm)
    assert layer.compute_output_shape((None, 9, 5)) == (None, 14)


# --------------------------------------------------------------------------- attention


def test_attention_pooling_matches_formula_masks_and_pads():
    layer = AttentionPooling(units=5)
    model = embedded_model(layer, return_attention_scores=True)
    pooled, weights = (np.asarray(t) for t in model(IDS))
    h = np.asarray(model.get_layer("embedding").embeddings)[IDS]
    u = np.tanh(h @ np.asarray(layer.kernel) + np.asarray(layer.bias))
    scores = u @ np.asarray(layer.context)
    scores = np.where(IDS != 0, scores, -np.inf)
    expected = np.exp(scores - scores.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(weights, expected, atol=1e-6)
    np.testing.assert_allclose(pooled, np.einsum("bt,btd->bd", expected, h), atol=1e-6)
    assert np.all(weights[IDS == 0] == 0)
    np.testing.assert_allclose(weights.sum(1), 1, atol=1e-6)
    assert_padding_invariant(model)


def test_attention_pooling_all_padding_pools_to_zero_and_default_output():
    layer = AttentionPooling(4)
    h = np.ones((2, 3, 6), "float32")
    mask = np.array([[False] * 3, [True, False, False]])
    pooled, weights = layer(h, mask=mask, return_attention_scores=True)
    np.testing.assert_array_equal(np.asarray(weights), [[0, 0, 0], [1, 0, 0]])
    np.testing.assert_array_equal(np.asarray(pooled)[0], 0)
    assert np.asarray(layer(h)).shape == (2, 6)  # pooled only by default
    clone = AttentionPooling.from_config(
        AttentionPooling(9, return_attention_scores=True).get_config()
    )
    assert clone.units == 9 and clone.return_attention_scores


# --------------------------------------------------------------------------- transformer


def test_position_embedding_adds_rows_and_keeps_mask():
    layer = PositionEmbedding(max_length=10)
    x = np.zeros((2, 4, 3), "float32")
    out = np.asarray(layer(x))
    np.testing.assert_allclose(out[0], np.asarray(layer.position_embeddings)[:4])
    mask = np.array([[True, True, False, False]] * 2)
    assert np.array_equal(np.asarray(layer.compute_mask(x, mask)), mask)
    assert PositionEmbedding.from_config(layer.get_config()).max_length == 10


@pytest.mark.parametrize("normalize_first", [False, True])
def test_transformer_encoder_padding_never_reaches_tokens(normalize_first):
    layer = TransformerEncoder(num_heads=2, intermediate_dim=8, normalize_first=normalize_first)
    model = embedded_model(layer)
    assert model(IDS).shape == (3, 8, 6)
    assert_padding_invariant(model, atol=1e-5)
    config = TransformerEncoder.from_config(layer.get_config()).get_config()
    assert config["normalize_first"] == normalize_first and config["intermediate_dim"] == 8


def test_model_of_all_text_layers_survives_keras_save_and_load(tmp_path):
    ids = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(12, 8, mask_zero=True)(ids)
    y = TransformerEncoder(2, 16)(PositionEmbedding(20)(x))
    pooled = AttentionPooling(4)(y)
    features = keras.layers.Concatenate()([pooled, TextCNN(3, (2, 3))(x)])
    model = keras.Model(ids, keras.layers.Dense(2, activation="softmax")(features))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(loaded(IDS)), np.asarray(model(IDS)), atol=1e-6)


# --------------------------------------------------------------------------- embeddings

VOCABULARY = ["", "[UNK]", "the", "movie", "great", "zzz"]


def test_glove_file_fills_known_rows_and_kim_init_for_the_rest(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\nGreat 1 2 3\nmovie -1 -2 -3\nunrelated 9 9 9\n")
    vectors = load_embeddings(path, VOCABULARY, seed=1)
    m = vectors.matrix
    assert m.shape == (6, 3) and m.dtype == np.float32
    np.testing.assert_array_equal(m[0], 0)  # padding
    np.testing.assert_allclose(m[2], [0.1, 0.2, 0.3])
    np.testing.assert_allclose(m[3], [-1, -2, -3])
    np.testing.assert_allclose(m[4], [1, 2, 3])  # cased file word, lower-cased vocabulary
    assert np.all(np.abs(m[[1, 5]]) <= UNKNOWN_SCALE) and np.any(m[5] != 0)
    assert vectors.found == 3 and vectors.coverage == pytest.approx(3 / 4)
    # A sub-vocabulary (a CV fold's) keeps the file's vectors.
    fold = vectors.for_vocabulary(["", "[UNK]", "movie", "zzz"])
    np.testing.assert_allclose(fold.matrix[2], [-1, -2, -3])
    assert fold.found == 1


def test_word2vec_text_header_and_gzip(tmp_path):
    path = tmp_path / "w2v.txt.gz"
    with gzip.open(path, "wt") as f:
        f.write("2 2\nthe 0.5 0.5\nmovie 1e-1 -2.5\n")
    m = load_embeddings(path, VOCABULARY).matrix
    assert m.shape == (6, 2)
    np.testing.assert_allclose(m[3], [0.1, -2.5])


@pytest.mark.parametrize(
    "content, message, line",
    [
        ("the 1 2\nmovie 1 2 3\n", "vector of 3 values, expected 2", 2),
        ("the 1 2\nmovie 1 x\n", "'x' is not a number", 2),
        ("the 1 2\n\nlonely\n", "expected a word followed by its vector", 3),
        ("", "no vectors (empty file)", None),
    ],
)
def test_malformed_vectors_file_names_file_and_line(tmp_path, content, message, line):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(InputError) as error:
        load_embeddings(path, VOCABULARY)
    assert error.value.line == line and message in str(error.value)
    assert str(error.value).startswith(f"{path}:{line}:" if line else f"{path}:")


def test_missing_vectors_file():
    with pytest.raises(InputError, match="file not found"):
        load_embeddings("/nonexistent/vectors.txt", VOCABULARY)


@pytest.mark.parametrize(
    "mode, trainable, width",
    [("rand", 1, 3), ("static", 0, 3), ("non-static", 1, 3), ("multichannel", 1, 6)],
)
def test_embedding_modes(mode, trainable, width):
    matrix = np.arange(18, dtype="float32").reshape(6, 3)
    ids = keras.Input((None,), dtype="int32")
    x = embed_tokens(ids, 6, 3, None if mode == "rand" else matrix, mode)
    model = keras.Model(ids, x)
    assert len(model.trainable_weights) == trainable
    out = np.asarray(model(np.array([[2, 0]])))
    assert out.shape == (1, 2, width)
    if mode != "rand":
        np.testing.assert_allclose(out[0, 0, :3], matrix[2])
    assert x._keras_mask is not None  # padding is masked for the layers downstream


def test_embedding_mode_needs_vectors():
    ids = keras.Input((None,), dtype="int32")
    with pytest.raises(ValueError, match="needs pretrained vectors"):
        embed_tokens(ids, 6, 3, None, "static")
    with pytest.raises(ValueError, match="must be one of"):
        embed_tokens(ids, 6, 3, None, "frozen")

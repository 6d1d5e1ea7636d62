"""Text model builders: Kim's parameter count and max-norm, shapes, padding invariance,
the attention sub-model, pretrained embeddings, a training step, `.keras` round trips."""

import keras
import numpy as np
import pytest

from kerasdl import models

IDS = np.array([[3, 4, 5, 6, 7, 0, 0], [8, 9, 10, 0, 0, 0, 0]], "int32")
LABELS = np.array([0, 2])

BUILDERS = {
    "textcnn": lambda **kw: models.textcnn(50, 3, embedding_dim=8, filters=4, **kw),
    "rnn_attention": lambda **kw: models.rnn_attention(50, 3, embedding_dim=8, units=4, **kw),
    "rnn_attention_gru": lambda **kw: models.rnn_attention(
        50, 3, embedding_dim=8, units=4, cell="gru", **kw
    ),
    "transformer": lambda **kw: models.transformer(
        50, 3, max_length=16, embedding_dim=8, num_heads=2, intermediate_dim=8, **kw
    ),
    "mean_embedding": lambda **kw: models.mean_embedding(50, 3, embedding_dim=8, **kw),
}


def test_textcnn_has_kims_parameter_count():
    # Kim 2014 CNN-rand on a 2-class task: 300-d embeddings, widths 3/4/5 x 100 maps.
    model = models.textcnn(1000, 2)
    embedding = 1000 * 300
    convolutions = sum(width * 300 * 100 + 100 for width in (3, 4, 5))
    assert model.count_params() == embedding + convolutions + 300 * 2 + 2


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_builders_give_probabilities_that_ignore_padding(name, tmp_path):
    model = BUILDERS[name]()
    assert model.input.dtype == "int32"
    probabilities = np.asarray(model(IDS))
    assert probabilities.shape == (2, 3) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(-1), 1, atol=1e-5)
    padded = np.asarray(model(np.pad(IDS, [(0, 0), (0, 4)])))
    np.testing.assert_allclose(padded, probabilities, atol=1e-5)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(loaded(IDS)), probabilities, atol=1e-6)


@pytest.mark.parametrize("name", ["rnn_attention", "transformer"])
def test_training_lowers_the_loss(name):
    keras.utils.set_random_seed(0)
    model = BUILDERS[name](dropout=0.0)
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    before = model.evaluate(IDS, LABELS, verbose=0)
    model.fit(IDS, LABELS, epochs=3, verbose=0)
    assert model.evaluate(IDS, LABELS, verbose=0) < before


def test_textcnn_output_layer_keeps_max_norm_3():
    model = models.textcnn(50, 2, embedding_dim=8, filters=4)
    output = model.get_layer("probabilities")
    output.kernel.assign(np.full(output.kernel.shape, 10.0, "float32"))
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    model.fit(IDS, np.array([0, 1]), epochs=1, verbose=0)
    norms = np.linalg.norm(np.asarray(output.kernel), axis=0)
    np.testing.assert_allclose(norms, 3.0, rtol=1e-4)


def test_attention_model_shares_weights_and_gives_per_token_weights():
    model = BUILDERS["rnn_attention"]()
    weights = np.asarray(models.attention_model(model)(IDS))
    assert weights.shape == IDS.shape
    np.testing.assert_allclose(weights.sum(-1), 1, atol=1e-5)
    assert np.all(weights[IDS == 0] == 0)


def test_pretrained_static_embeddings_are_used_and_frozen():
    matrix = np.random.default_rng(0).normal(size=(50, 6)).astype("float32")
    model = models.textcnn(50, 2, filters=4, embeddings=matrix, embeddings_mode="static")
    embedding = model.get_layer("embedding")
    np.testing.assert_allclose(np.asarray(embedding.embeddings), matrix)
    assert not embedding.trainable
    multichannel = models.textcnn(
        50, 2, filters=4, embeddings=matrix, embeddings_mode="multichannel"
    )
    assert multichannel.get_layer("embedding_channels").output.shape[-1] == 12

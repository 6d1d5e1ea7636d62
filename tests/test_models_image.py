"""Image model builders and their blocks: shapes, parameter counts, semantics, save/load."""

import keras
import numpy as np
import pytest

from kerasdl import models
from kerasdl.layers import DepthwiseSeparableBlock, InvertedResidual, ResidualBlock, SqueezeExcite


@pytest.mark.parametrize(
    "build, params",
    [
        # He et al. 2016a, table 6: ResNet-20 0.27 M, ResNet-56 0.85 M (option A shortcuts).
        (lambda: models.resnet((32, 32, 3), 10, depth=20), 0.27e6),
        (lambda: models.resnet((32, 32, 3), 10, depth=56), 0.85e6),
        (lambda: models.resnet((32, 32, 3), 10, depth=20, version=2), 0.27e6),
        # torchvision / keras.applications: ResNet-50 25.6 M, MobileNet 4.25 M, V2 3.54 M.
        (lambda: models.resnet((64, 64, 3), 1000, depth=50), 25.6e6),
        (lambda: models.mobilenet((224, 224, 3), 1000, version=1), 4.25e6),
        (lambda: models.mobilenet((224, 224, 3), 1000, version=2), 3.54e6),
    ],
)
def test_parameter_counts_match_the_papers(build, params):
    assert build().count_params() == pytest.approx(params, rel=0.02)


@pytest.mark.parametrize(
    "build",
    [
        lambda: models.simple_cnn((28, 28, 1), 10),
        lambda: models.resnet((32, 32, 3), 10, depth=32, version=2, width=0.5),
        lambda: models.resnet((32, 32, 3), 7, depth=18, width=0.25),
        lambda: models.mobilenet(
            (32, 32, 3), 10, version=2, squeeze_excite=True, width_multiplier=0.5
        ),
        lambda: models.mobilenet((28, 28, 1), 10, version=1, width_multiplier=0.25),
        lambda: models.row_rnn((28, 28, 1), 10, cell="gru", num_layers=2),
    ],
)
def test_builders_give_probabilities_and_survive_save_load(build, tmp_path):
    model = build()
    x = np.random.default_rng(0).uniform(0, 1, (3, *model.input_shape[1:])).astype("float32")
    probabilities = np.asarray(model(x, training=False))  # eager: no tracing cost
    assert probabilities.shape == (3, model.output_shape[-1])
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored(x, training=False), probabilities, atol=1e-6)


def test_bad_builder_arguments_raise():
    with pytest.raises(ValueError, match="depth"):
        models.resnet((32, 32, 3), 10, depth=21)
    with pytest.raises(ValueError, match="version"):
        models.mobilenet((32, 32, 3), 10, version=3)
    with pytest.raises(ValueError, match="cell"):
        models.row_rnn((28, 28, 1), 10, cell="rnn")


def test_v1_residual_block_starts_as_identity():
    # The last BN's scale starts at zero (Goyal et al. 2017): F(x) = 0, out = relu(x).
    x = np.random.default_rng(1).normal(size=(2, 8, 8, 16)).astype("float32")
    block = ResidualBlock(16)
    np.testing.assert_allclose(block(x, training=False), np.maximum(x, 0), atol=1e-6)


def test_zero_pad_shortcut_is_parameter_free_and_subsamples():
    x = np.random.default_rng(2).normal(size=(2, 8, 8, 16)).astype("float32")
    padded = ResidualBlock(32, strides=2, shortcut="zero_pad")
    projected = ResidualBlock(32, strides=2, shortcut="projection")
    assert padded(x).shape == projected(x).shape == (2, 4, 4, 32)
    # The projection adds a 1x1 conv (16*32) and its BN (4*32) to the block.
    assert projected.count_params() - padded.count_params() == 16 * 32 + 4 * 32
    shortcut = padded._shortcut(x, x, training=False)
    np.testing.assert_allclose(shortcut[..., 8:24], x[:, ::2, ::2, :])
    assert not np.any(shortcut[..., :8]) and not np.any(shortcut[..., 24:])


def test_bottleneck_and_preactivation_shapes():
    x = np.zeros((1, 16, 16, 64), "float32")
    assert ResidualBlock(16, bottleneck=True)(x).shape == (1, 16, 16, 64)
    assert ResidualBlock(32, strides=2, bottleneck=True, preactivation=True)(x).shape == (
        1,
        8,
        8,
        128,
    )


def test_separable_blocks():
    x = np.random.default_rng(3).normal(size=(2, 8, 8, 16)).astype("float32")
    assert DepthwiseSeparableBlock(24, strides=2)(x).shape == (2, 4, 4, 24)
    residual = InvertedResidual(16, expansion=4, squeeze_excite=True)
    assert residual(x).shape == (2, 8, 8, 16) and residual.residual
    assert InvertedResidual(24)(x).shape == (2, 8, 8, 24)
    gates_in = SqueezeExcite(0.25)
    out = np.asarray(gates_in(np.abs(x)))
    ratio = out / np.maximum(np.abs(x), 1e-12)
    assert np.all((ratio >= 0) & (ratio <= 1 + 1e-6)), "SE multiplies by sigmoid gates in (0, 1)"


def test_depthwise_separable_is_cheaper_than_full_convolution():
    separable = DepthwiseSeparableBlock(64)
    separable.build((None, 16, 16, 64))
    full = keras.layers.Conv2D(64, 3, use_bias=False)
    full.build((None, 16, 16, 64))
    # k²C + CF (+ BN) against k²CF: about 8x fewer weights at C = F = 64.
    assert separable.count_params() < full.count_params() / 7

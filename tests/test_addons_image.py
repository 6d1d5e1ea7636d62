"""kerasdl.addons.image against the cases of tfa 0.23's image/tests/transform_ops_test.py,
translate_ops_test.py and cutout_ops_test.py (expected arrays are tfa's; where tfa compared
with scikit-image, PIL or SciPy, the reference is the same nearest-neighbour warp written
in NumPy below)."""

import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_goldens.npz")
DTYPES = ["uint8", "int32", "int64", "float16", "float32", "float64"]
GRID = np.arange(16).reshape(4, 4)
# Translate right by 1: the transform maps output to input points, hence the -1.
RIGHT_1 = np.array([1, 0, -1, 0, 1, 0, 0, 0], "float32")
L_SHAPE = [[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]]
RING = np.array(
    [
        [0, 0, 0, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 1, 0, 1, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 0, 0, 0],
    ],
    "float32",
)


def shift_reference(image, level_x, level_y, shift, replace):
    """Output pixel (row r, col c) reads input (r + level_y c + dy, c + level_x r + dx),
    rounded to the nearest pixel; outside reads give `replace`."""
    height, width, _ = image.shape
    out = np.empty(image.shape, "float64")
    for r in range(height):
        for c in range(width):
            src_r = int(np.floor(r + level_y * c - shift[1] + 0.5))
            src_c = int(np.floor(c + level_x * r - shift[0] + 0.5))
            inside = 0 <= src_r < height and 0 <= src_c < width
            out[r, c] = image[src_r, src_c] if inside else replace
    return out


# --- transform_ops_test -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_compose_and_compose_rotate(dtype):
    rotation = tfa.image.angles_to_projective_transforms(np.pi / 2, 4, 4)
    composed = tfa.image.compose_transforms([rotation, RIGHT_1])
    y = tfa.image.transform(np.array(L_SHAPE, dtype), composed)
    np.testing.assert_equal(np.asarray(y), [[0, 0, 0, 0], [0, 1, 0, 1], [0, 1, 0, 1], [0, 1, 1, 1]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_extreme_projective_transform(dtype):
    image = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype)
    y = tfa.image.transform(image, np.array([1, 0, 0, 0, 1, 0, -1, 0], "float32"))
    np.testing.assert_equal(np.asarray(y), [[1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]])


@pytest.mark.parametrize("fill_value", [0.0, 1.0])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_transform_constant_fill_mode(dtype, fill_value):
    y = tfa.image.transform(
        GRID.astype(dtype), RIGHT_1, fill_mode="constant", fill_value=fill_value
    )
    expected = np.concatenate([np.full((4, 1), fill_value), GRID[:, :3]], axis=1)
    np.testing.assert_equal(np.asarray(y), expected.astype(dtype))


@pytest.mark.parametrize(
    "fill_mode, translation, expected",
    [
        ("reflect", RIGHT_1, [[0, 0, 1, 2], [4, 4, 5, 6], [8, 8, 9, 10], [12, 12, 13, 14]]),
        ("wrap", RIGHT_1, [[3, 0, 1, 2], [7, 4, 5, 6], [11, 8, 9, 10], [15, 12, 13, 14]]),
        (
            "nearest",
            np.array([1, 0, -2, 0, 1, 0, 0, 0], "float32"),
            [[0, 0, 0, 1], [4, 4, 4, 5], [8, 8, 8, 9], [12, 12, 12, 13]],
        ),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_transform_fill_modes(dtype, fill_mode, translation, expected):
    y = tfa.image.transform(GRID.astype(dtype), translation, fill_mode=fill_mode)
    np.testing.assert_equal(np.asarray(y), np.array(expected, dtype))


def test_tfa_transform_static_output_shape():
    image = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    y = tfa.image.transform(image, np.random.uniform(-1, 1, [8]), output_shape=[3, 5])
    assert tuple(y.shape) == (3, 5)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("shape", [(5, 11), (12, 4)])
def test_transform_output_shape_matches_tfa(shape, interpolation):
    images = GOLDENS["image.inputs/images/x"]
    transforms = GOLDENS["image.transform/constant/transforms"]
    y = tfa.image.transform(
        images, transforms, interpolation.upper(), output_shape=shape, fill_mode="reflect"
    )
    key = f"image.transform/output_{shape[0]}x{shape[1]}_{interpolation}/y"
    np.testing.assert_array_equal(y, GOLDENS[key])


@pytest.mark.parametrize("function", ["transform", "rotate"])
def test_tfa_unknown_shape(function):
    spec = tf.TensorSpec(shape=None, dtype=tf.float32)
    if function == "transform":
        fn = tf.function(tfa.image.transform).get_concrete_function(spec, [1, 0, 0, 0, 1, 0, 0, 0])
    else:
        fn = tf.function(tfa.image.rotate).get_concrete_function(spec, 0)
    for shape in (2, 4), (2, 4, 3), (1, 2, 4, 3):
        np.testing.assert_equal(fn(tf.ones(shape)).numpy(), np.ones(shape))


@pytest.mark.parametrize("output_shape", [None, [4, 4]])
def test_tfa_grad(output_shape):
    image = tf.reshape(tf.range(64, dtype=tf.float32), (8, 8)) / 64.0 * 0.01

    def transform_fn(x):
        rotation = tfa.image.angles_to_projective_transforms(np.pi / 2, 4, 4)
        return tfa.image.transform(x, rotation, output_shape=output_shape)

    theoretical, numerical = tf.test.compute_gradient(transform_fn, [image])
    np.testing.assert_almost_equal(theoretical[0], numerical[0], decimal=6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_transform_data_types(dtype):
    y = tfa.image.transform(np.array([[1, 2], [3, 4]], dtype), [1] * 8)
    np.testing.assert_equal(np.asarray(y), np.array([[4, 4], [4, 4]], dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_zeros(dtype):
    for shape in [(5, 5), (24, 24), (2, 24, 24, 3)]:
        for angle in [0, 1, np.pi / 2.0]:
            y = tfa.image.rotate(np.zeros(shape, dtype), angle)
            np.testing.assert_equal(np.asarray(y), np.zeros(shape, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_rotate_even(dtype):
    image = np.tile(np.arange(36, dtype=dtype).reshape(1, 6, 6, 1), [3, 1, 1, 1])
    y = tfa.image.rotate(image, np.array([0.0, np.pi / 4.0, np.pi / 2.0], "float32"))
    expected = [
        np.arange(36).reshape(6, 6),
        [
            [0, 3, 4, 11, 17, 0],
            [2, 3, 9, 16, 23, 23],
            [1, 8, 15, 21, 22, 29],
            [6, 13, 20, 21, 27, 34],
            [12, 18, 19, 26, 33, 33],
            [0, 18, 24, 31, 32, 0],
        ],
        np.rot90(np.arange(36).reshape(6, 6)),
    ]
    np.testing.assert_equal(np.asarray(y)[..., 0], np.array(expected, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_rotate_odd(dtype):
    image = np.tile(np.arange(25, dtype=dtype).reshape(1, 5, 5, 1), [3, 1, 1, 1])
    y = tfa.image.rotate(image, np.array([np.pi / 4.0, 1.0, -np.pi / 2.0], "float32"))
    expected = [
        [
            [0, 3, 8, 9, 0],
            [1, 7, 8, 13, 19],
            [6, 6, 12, 18, 18],
            [5, 11, 16, 17, 23],
            [0, 15, 16, 21, 0],
        ],
        [
            [0, 3, 9, 14, 0],
            [2, 7, 8, 13, 19],
            [1, 6, 12, 18, 23],
            [5, 11, 16, 17, 22],
            [0, 10, 15, 21, 0],
        ],
        np.rot90(np.arange(25).reshape(5, 5), k=-1),
    ]
    np.testing.assert_equal(np.asarray(y)[..., 0], np.array(expected, dtype))


def test_tfa_bilinear():
    # scipy.ndimage.rotate(image, 45, order=1, reshape=False), as tfa noted.
    y = tfa.image.rotate(RING, np.pi / 4.0, interpolation="BILINEAR")
    expected = [
        [0.000, 0.000, 0.343, 0.000, 0.000],
        [0.000, 0.586, 0.914, 0.586, 0.000],
        [0.343, 0.914, 0.000, 0.914, 0.343],
        [0.000, 0.586, 0.914, 0.586, 0.000],
        [0.000, 0.000, 0.343, 0.000, 0.000],
    ]
    np.testing.assert_allclose(y, expected, atol=0.001)
    y = tfa.image.rotate(RING, np.pi / 4.0, interpolation="NEAREST")
    expected = [
        [0, 0, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [1, 1, 0, 1, 1],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 0, 0],
    ]
    np.testing.assert_allclose(y, expected)


def test_tfa_bilinear_uint8():
    y = tfa.image.rotate((RING * 255).astype("uint8"), np.pi / 4.0, interpolation="BILINEAR")
    expected = [
        [0, 0, 87, 0, 0],
        [0, 149, 233, 149, 0],
        [87, 233, 0, 233, 87],
        [0, 149, 233, 149, 0],
        [0, 0, 87, 0, 0],
    ]
    np.testing.assert_equal(np.asarray(y), expected)


def test_tfa_rotate_static_shape():
    image = np.diag([1.0, 2.0, 3.0]).astype("float32")
    y = tfa.image.rotate(image, np.random.uniform(-1, 1), interpolation="BILINEAR")
    assert tuple(y.shape) == image.shape


@pytest.mark.parametrize("name", ["shear_x", "shear_y"])
@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "float16"])
def test_tfa_shear(name, dtype):
    random = np.random.RandomState(DTYPES.index(dtype))
    image = random.randint(0, 255, size=(4, 4, 3)).astype(dtype)
    level = float(random.uniform(0, 1))
    color = np.array([255, 0, 255], "int32")
    y = getattr(tfa.image, name)(image, level, replace=color)
    levels = (level, 0.0) if name == "shear_x" else (0.0, level)
    expected = shift_reference(image, *levels, (0, 0), color)
    np.testing.assert_equal(np.asarray(y), expected)


# --- translate_ops_test -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_tfa_translate(dtype):
    image = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype)
    y = tfa.image.translate(image, np.array([-1, -1], "float32"))
    np.testing.assert_equal(np.asarray(y), [[1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])


def test_tfa_translations_to_projective_transforms():
    y = tfa.image.translations_to_projective_transforms(np.array([-1, -1], "float32"))
    np.testing.assert_equal(np.asarray(y), [[1, 0, 1, 0, 1, 1, 0, 0]])


def test_tfa_translate_xy():
    # tfa compared with PIL's `Image.rotate(angle=0, translate=..., NEAREST, fillcolor=...)`.
    random = np.random.RandomState(7)
    image = random.randint(0, 255, size=(4, 4, 3), dtype=np.uint8)
    translate_to = random.randint(0, 4, size=(2,)).astype(np.uint8)
    color = np.array([255, 0, 255], "uint8")
    y = tfa.image.translate_xy(image, translate_to, color)
    np.testing.assert_equal(np.asarray(y), shift_reference(image, 0, 0, translate_to, color))


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "float16"])
def test_tfa_translate_xy_scalar_replace(dtype):
    # tfa compared with `scipy.ndimage.shift(order=0, mode="constant", cval=1)`.
    random = np.random.RandomState(DTYPES.index(dtype))
    image = random.randint(0, 128, size=(4, 4, 3)).astype(dtype)
    translate_to = random.randint(0, 4, size=(2,))
    y = tfa.image.translate_xy(image=image, translate_to=translate_to, replace=1)
    np.testing.assert_allclose(np.asarray(y), shift_reference(image, 0, 0, translate_to, 1))


# --- cutout_ops_test ----------------------------------------------------------------------


def _corner_cutout(channels=1, dtype="uint8"):
    expected = np.ones([1, 40, 40, channels], dtype)
    expected[:, :4, :4] = 0
    return expected


@pytest.mark.parametrize("dtype", ["float16", "float32", "uint8"])
def test_tfa_cutout_different_dtypes(dtype):
    y = tfa.image.cutout(np.ones([1, 40, 40, 1], dtype), 4, [2, 2])
    np.testing.assert_allclose(y, _corner_cutout(dtype=dtype))
    assert np.asarray(y).dtype == dtype


@pytest.mark.parametrize("channels", [0, 1, 3, 4])
def test_tfa_random_cutout_different_channels(channels):
    y = tfa.image.random_cutout(np.ones([1, 40, 40, channels], "uint8"), 20, seed=1234)
    assert tuple(y.shape) == (1, 40, 40, channels)


def test_tfa_random_cutout_batch_size():
    images = np.random.RandomState(1234).uniform(size=(10, 40, 40, 1)).astype("float32")
    y = tfa.image.random_cutout(images, 20, seed=1234)
    assert tuple(y.shape) == (10, 40, 40, 1)
    assert len(set(np.mean(y, axis=(1, 2, 3)).tolist())) == 10


def test_tfa_random_cutout_with_tf_function():
    y = tf.function(tfa.image.random_cutout)(tf.ones([1, 40, 40, 1], tf.uint8), 2)
    assert tuple(y.shape) == (1, 40, 40, 1)


def test_tfa_random_cutout_mask_applied_and_larger_than_image():
    images = np.ones([10, 40, 40, 1], "uint8")
    y = tfa.image.random_cutout(images, 20, seed=1234)
    assert int(np.sum(y)) + 20 * 20 * 10 == int(np.sum(images))
    assert int(np.sum(tfa.image.random_cutout(images, 60, seed=1234))) == 0


def test_tfa_cutout_keras_layer():
    inputs = keras.Input((40, 40, 1), dtype="uint8")
    outputs = keras.layers.Lambda(lambda x: tfa.image.cutout(x, 4, [2, 2]))(inputs)
    model = keras.Model(inputs, outputs)
    x = np.ones([10, 40, 40, 1], "uint8")
    np.testing.assert_equal(np.asarray(tfa.image.cutout(x, 4, [2, 2])), np.asarray(model(x)))

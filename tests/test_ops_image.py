"""kerasdl.ops image geometry: tfa.image golden parity and geometric properties."""

import json
import math

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from kerasdl import ops
from kerasdl.ops import image as image_ops

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "reflect", "wrap", "nearest")
IMPLEMENTATIONS = ("kernel", "gather")
PROPERTY = settings(max_examples=15, deadline=None)


@pytest.fixture(scope="module")
def reference(golden):
    cases = json.loads((golden / "cases.json").read_text())
    assert "image.npz" in cases
    return dict(np.load(golden / "image.npz"))


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("op", ["rotate", "translate"])
def test_golden_geometry(reference, op, interpolation, fill_mode, implementation):
    fn = ops.rotate if op == "rotate" else ops.translate
    arg = reference["angles"] if op == "rotate" else reference["shifts"]
    out = fn(reference["images"], arg, interpolation, fill_mode, 0.0, implementation=implementation)
    expected = reference[f"{op}_{interpolation}_{fill_mode}"]
    np.testing.assert_allclose(np.asarray(out), expected, atol=1e-3, rtol=0)


def test_golden_cutout(reference):
    out = ops.cutout(reference["images"], mask_size=(8, 6), offset=(8, 11))
    np.testing.assert_allclose(np.asarray(out), reference["cutout_8x6_at_8_11"], atol=1e-3)


def _images(draw, dtype):
    batch = draw(st.integers(1, 3))
    height = draw(st.integers(1, 9))
    width = draw(st.integers(1, 9))
    channels = draw(st.sampled_from([1, 3]))
    seed = draw(st.integers(0, 2**16))
    values = np.random.default_rng(seed).uniform(0, 255, (batch, height, width, channels))
    return values.astype(dtype)


@st.composite
def image_batches(draw, dtypes=("uint8", "float32")):
    return _images(draw, draw(st.sampled_from(dtypes)))


@PROPERTY
@given(
    images=image_batches(),
    interpolation=st.sampled_from(INTERPOLATIONS),
    fill_mode=st.sampled_from(FILL_MODES),
    implementation=st.sampled_from(IMPLEMENTATIONS),
    angle=st.floats(-7.0, 7.0),
)
def test_geometry_keeps_shape_and_dtype(images, interpolation, fill_mode, implementation, angle):
    n = images.shape[0]
    kwargs = dict(interpolation=interpolation, fill_mode=fill_mode, implementation=implementation)
    outputs = [
        ops.rotate(images, np.full([n], angle, np.float32), **kwargs),
        ops.translate(images, np.full([n, 2], angle, np.float32), **kwargs),
        ops.zoom(images, 1.0 + abs(angle) / 7, **kwargs),
        ops.shear(images, angle / 7, -angle / 7, **kwargs),
        ops.cutout(images, (3, 2), (1, 1)),
        ops.flip_left_right(images),
        ops.flip_up_down(images, np.arange(n) % 2 == 0),
    ]
    for out in outputs:
        assert tuple(out.shape) == images.shape
        assert out.dtype == tf.as_dtype(images.dtype)


@PROPERTY
@given(
    images=image_batches(),
    interpolation=st.sampled_from(INTERPOLATIONS),
    fill_mode=st.sampled_from(FILL_MODES),
    implementation=st.sampled_from(IMPLEMENTATIONS),
)
def test_identity_at_zero_parameters(images, interpolation, fill_mode, implementation):
    n = images.shape[0]
    kwargs = dict(interpolation=interpolation, fill_mode=fill_mode, implementation=implementation)
    for out in [
        ops.rotate(images, np.zeros([n]), **kwargs),
        ops.translate(images, np.zeros([n, 2]), **kwargs),
        ops.zoom(images, np.ones([n]), **kwargs),
        ops.shear(images, 0.0, 0.0, **kwargs),
        ops.transform(images, [1, 0, 0, 0, 1, 0, 0, 0], **kwargs),
        ops.cutout(images, (0, 0), (2, 2)),
        ops.flip_left_right(images, np.zeros([n], bool)),
    ]:
        np.testing.assert_array_equal(np.asarray(out), images)


@PROPERTY
@given(images=image_batches(), mask_seed=st.integers(0, 100))
def test_flips_are_involutions(images, mask_seed):
    mask = np.random.default_rng(mask_seed).random(images.shape[0]) < 0.5
    for flip in (ops.flip_left_right, ops.flip_up_down):
        np.testing.assert_array_equal(np.asarray(flip(flip(images))), images)
        np.testing.assert_array_equal(np.asarray(flip(flip(images, mask), mask)), images)
    np.testing.assert_array_equal(np.asarray(ops.flip_left_right(images)), images[:, :, ::-1])


@PROPERTY
@given(
    images=image_batches(("float32",)),
    turns=st.integers(-2, 2),
    interpolation=st.sampled_from(INTERPOLATIONS),
    implementation=st.sampled_from(IMPLEMENTATIONS),
)
def test_full_turns_leave_interior_unchanged(images, turns, interpolation, implementation):
    angle = 2 * math.pi * turns
    out = np.asarray(ops.rotate(images, angle, interpolation, implementation=implementation))
    # cos(2 pi k), sin(2 pi k) are 1 and 0 only to float32 rounding, which may move border
    # samples past the edge; the interior is unchanged.
    np.testing.assert_allclose(out[:, 1:-1, 1:-1], images[:, 1:-1, 1:-1], atol=0.05)


def test_rotating_real_digits_by_two_pi(shared_data):
    digits = np.load(shared_data / "mnist" / "mnist.npz")["x_test"][:16]
    # The gather warp rounds integer results: exact on uint8 digits.
    out = np.asarray(ops.rotate(digits, 2 * math.pi, "bilinear", implementation="gather"))
    np.testing.assert_array_equal(out[:, 1:-1, 1:-1], digits[:, 1:-1, 1:-1])
    # The kernel truncates integers, as tfa did, so compare it in float.
    out = np.asarray(ops.rotate(digits.astype(np.float32), 2 * math.pi, "bilinear"))
    np.testing.assert_allclose(out[:, 1:-1, 1:-1], digits[:, 1:-1, 1:-1], atol=0.05)
    quarter = np.asarray(ops.rotate(digits, math.pi / 2))  # counter-clockwise
    np.testing.assert_array_equal(quarter, np.rot90(digits, 1, axes=(1, 2)))


@PROPERTY
@given(
    images=image_batches(("float32",)),
    interpolation=st.sampled_from(INTERPOLATIONS),
    fill_mode=st.sampled_from(FILL_MODES),
    seed=st.integers(0, 1000),
)
def test_gather_warp_matches_kernel(images, interpolation, fill_mode, seed):
    rng = np.random.default_rng(seed)
    n = images.shape[0]
    t = np.concatenate([rng.normal(0, 0.5, (n, 6)), rng.normal(0, 0.02, (n, 2))], axis=1)
    t[:, [0, 4]] += 1.0
    t[:, [2, 5]] *= 10.0
    t = t.astype(np.float32)
    kernel = ops.transform(images, t, interpolation, fill_mode, 9.0)
    gather = ops.transform(images, t, interpolation, fill_mode, 9.0, implementation="gather")
    np.testing.assert_allclose(np.asarray(gather), np.asarray(kernel), atol=1e-3)


def test_integer_translation_is_a_shift():
    images = np.random.default_rng(0).integers(0, 255, (2, 6, 7, 3)).astype(np.uint8)
    out = np.asarray(ops.translate(images, [[2, -1], [0, 3]]))
    np.testing.assert_array_equal(out[0, :-1, 2:], images[0, 1:, :-2])
    assert (out[0, :, :2] == 0).all() and (out[0, -1] == 0).all()
    np.testing.assert_array_equal(out[1, 3:], images[1, :-3])


def test_composed_transforms_equal_sequential_warps():
    images = np.random.default_rng(1).uniform(0, 1, (3, 8, 9, 2)).astype(np.float32)
    shift = image_ops.translations_to_projective_transforms([[1, 2], [-2, 0], [3, -1]])
    turn = image_ops.angles_to_projective_transforms([math.pi / 2] * 3, 9, 9)
    square = np.pad(images, [[0, 0], [0, 1], [0, 0], [0, 0]])
    one = ops.transform(square, image_ops.compose_transforms(shift, turn))
    two = ops.transform(ops.transform(square, shift), turn)
    np.testing.assert_allclose(np.asarray(one), np.asarray(two), atol=1e-5)


def test_cutout_per_image_and_odd_sizes():
    images = np.ones((2, 7, 7, 1), np.float32)
    out = np.asarray(ops.cutout(images, [[3, 3], [2, 4]], [[0, 0], [3, 3]], constant_values=-1))
    assert (out[0, :2, :2] == -1).all() and (out[0] == -1).sum() == 4
    assert (out[1, 2:4, 1:5] == -1).all() and (out[1] == -1).sum() == 8
    single = np.asarray(ops.cutout(images[0], 3, (3, 3)))
    assert single.shape == (7, 7, 1) and (single == 0).sum() == 9


def test_resized_crop_matches_crop_and_resize():
    images = np.random.default_rng(2).uniform(0, 255, (3, 12, 10, 3)).astype(np.float32)
    boxes = np.array([[0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], [0.5, 0.0, 1.0, 0.5]], np.float32)
    out = ops.resized_crop(images, boxes, (6, 5))
    expected = tf.image.crop_and_resize(images, boxes, tf.range(3), (6, 5))
    np.testing.assert_allclose(np.asarray(out), expected.numpy(), atol=1e-3)


def test_random_resized_crop_is_seeded_and_keeps_dtype():
    images = np.random.default_rng(3).integers(0, 255, (4, 20, 24, 3)).astype(np.uint8)
    a = ops.random_resized_crop(images, (8, 8), seed=[1, 2])
    b = ops.random_resized_crop(images, (8, 8), seed=[1, 2])
    c = ops.random_resized_crop(images, (8, 8), seed=[1, 3])
    assert a.shape == (4, 8, 8, 3) and a.dtype == tf.uint8
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())
    full = ops.random_resized_crop(images, (20, 24), seed=[0, 0], scale=(1, 1), ratio=(1.2, 1.2))
    np.testing.assert_array_equal(full.numpy(), images)


def test_bad_arguments_raise():
    images = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="interpolation"):
        ops.rotate(images, 0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_mode"):
        ops.rotate(images, 0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="implementation"):
        ops.rotate(images, 0.1, implementation="cuda")
    with pytest.raises(ValueError, match="rank"):
        ops.rotate(np.zeros((1, 1, 4, 4, 1)), 0.1)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("shape", [(5, 6), (5, 6, 3), (2, 5, 6, 3)], ids=["HW", "HWC", "BHWC"])
def test_images_of_unknown_rank_keep_their_rank(shape, implementation):
    # tfa.image accepted tensors whose rank is known only at run time, as
    # `tf.io.decode_image` gives inside `Dataset.map`, and returned the input's rank.
    images = np.random.default_rng(4).integers(0, 255, shape).astype(np.uint8)
    n = shape[0] if len(shape) == 4 else 1
    calls = {
        "rotate": lambda x: ops.rotate(
            x, 0.4, "bilinear", "reflect", implementation=implementation
        ),
        "transform": lambda x: ops.transform(
            x, [1.1, 0.1, -1.0, 0.0, 0.9, 0.5, 0.0, 0.0], implementation=implementation
        ),
        "translate": lambda x: ops.translate(x, [1, -2], implementation=implementation),
        "zoom": lambda x: ops.zoom(x, 1.3, fill_mode="wrap", implementation=implementation),
        "shear": lambda x: ops.shear(x, 0.2, implementation=implementation),
        "cutout": lambda x: ops.cutout(x, 2, (1, 1)),
        "flip": lambda x: ops.flip_up_down(x, np.ones([n], bool)),
    }
    for name, call in calls.items():
        unknown_rank = tf.function(call, input_signature=[tf.TensorSpec(None, tf.uint8)])
        out = unknown_rank(images)
        assert out.shape == shape, name
        np.testing.assert_array_equal(out.numpy(), np.asarray(call(images)), err_msg=name)


def test_rotate_decoded_images_inside_dataset_map():
    image = np.random.default_rng(5).integers(0, 255, (7, 9, 3)).astype(np.uint8)
    encoded = tf.data.Dataset.from_tensors(tf.io.encode_png(image))
    decoded = encoded.map(tf.io.decode_image)  # rank unknown: GIFs decode to [N, H, W, C]
    assert decoded.element_spec.shape.rank is None
    rotated = next(iter(decoded.map(lambda x: ops.rotate(x, 0.3))))
    np.testing.assert_array_equal(rotated.numpy(), np.asarray(ops.rotate(image, 0.3)))
    grey = encoded.map(lambda b: tf.io.decode_image(b, channels=1)[..., 0])
    flat = next(iter(grey.map(lambda x: ops.rotate(x, -0.3))))
    assert flat.shape == (7, 9)


def test_unknown_rank_out_of_range_fails_at_run_time():
    unknown_rank = tf.function(
        lambda x: ops.rotate(x, 0.1), input_signature=[tf.TensorSpec(None, tf.float32)]
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 2, 3 or 4"):
        unknown_rank(np.zeros((1, 1, 4, 4, 1), np.float32))

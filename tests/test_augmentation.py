"""kerasdl.data.augmentation: spec parsing, seeding and epochs, label mixing, the Keras layer."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from kerasdl.data import augmentation as augment_module
from kerasdl.data.augmentation import RECIPES, STEPS, Augmentation, Step, parse_spec

PROPERTY = settings(max_examples=10, deadline=None)


def Augmenter(spec, seed=0, **kwargs):  # noqa: N802
    """The tests run eagerly without XLA (compiling costs seconds per pipeline); the XLA
    path is checked against it in `test_fused_xla_and_kernel_paths_agree`."""
    kwargs.setdefault("jit_compile", False)
    return augment_module.Augmenter(spec, seed, **kwargs)


STEP_SPECS = [
    "crop:4",
    "flip",
    "flip:hv",
    "rotate:15",
    "scale:0.2",
    "translate:0.1",
    "translate:3",
    "shear:10",
    "cutout:8",
    "brightness:0.3",
    "contrast:0.3",
    "saturation:0.5",
    "hue:0.1",
    "randaugment:2:9",
]


def _batch(n=8, size=16, dtype=np.uint8, seed=0):
    images = np.random.default_rng(seed).integers(0, 256, (n, size, size, 3)).astype(dtype)
    return images, (np.arange(n) % 10).astype(np.int32)


# --- the spec grammar --------------------------------------------------------------------------


def test_parse_spec_fills_defaults_and_expands_recipes():
    assert parse_spec("crop:4, flip ,rotate:15,cutout:8") == parse_spec("cifar")
    assert parse_spec("none") == [] and parse_spec("") == [] and parse_spec(None) == []
    assert parse_spec("cifar,mixup")[-1] == Step("mixup", (0.2,))
    assert parse_spec("randaugment:1") == [Step("randaugment", (1, 9.0))]
    assert parse_spec("flip:v") == [Step("flip", ("v",))]
    assert set(RECIPES) >= {"none", "cifar", "mnist"}
    for name in STEPS:  # every step parses with its defaults
        assert parse_spec(name)[0].args == STEPS[name]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("crop:4,blur", "unknown augmentation step 'blur'"),
        ("rotate:fifteen", "bad argument"),
        ("rotate:1:2", "at most 1"),
        ("flip:x", "flip takes h, v or hv"),
        ("cutout:-3", "non-negative"),
    ],
)
def test_parse_spec_errors_name_the_item(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_spec(spec)


# --- shape, dtype and value range ----------------------------------------------------------------


@pytest.mark.parametrize("spec", STEP_SPECS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_every_step_keeps_shape_and_dtype(spec, dtype):
    images, labels = _batch(dtype=dtype)
    out, out_labels = Augmenter(spec, seed=1)(images, labels, epoch=0, step=0)
    assert out.shape == images.shape and out.dtype == tf.as_dtype(dtype)
    np.testing.assert_array_equal(out_labels, labels)
    assert 0 <= float(tf.reduce_min(out)) and float(tf.reduce_max(out)) <= 255


@PROPERTY
@given(
    steps=st.lists(st.sampled_from(STEP_SPECS), min_size=1, max_size=4),
    seed=st.integers(0, 2**31 - 1),
)
def test_any_pipeline_keeps_shape_and_dtype(steps, seed):
    images, _ = _batch(n=3, size=9)
    out = Augmenter(",".join(steps), seed=seed)(images, epoch=1, step=2)
    assert out.shape == images.shape and out.dtype == tf.uint8


def test_zero_strength_steps_are_the_identity():
    images, labels = _batch()
    spec = "crop:0,rotate:0,scale:0,translate:0,shear:0,cutout:0,brightness:0,contrast:0"
    for jit in (True, False):
        out = Augmenter(spec, seed=3, jit_compile=jit)(images, epoch=0, step=0)
        np.testing.assert_array_equal(out, images)
    np.testing.assert_array_equal(Augmenter("none")(images, epoch=0, step=0), images)


def test_flip_and_crop_give_mirrors_and_integer_shifts():
    images, _ = _batch(n=32)
    flipped = Augmenter("flip", seed=0)(images, epoch=0, step=0).numpy()
    same = [np.array_equal(f, x) for f, x in zip(flipped, images, strict=True)]
    mirrored = [np.array_equal(f, x[:, ::-1]) for f, x in zip(flipped, images, strict=True)]
    assert all(a or b for a, b in zip(same, mirrored, strict=True)) and 0 < sum(mirrored) < 32

    cropped = Augmenter("crop:2", seed=0)(images, epoch=0, step=0).numpy()
    padded = np.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]])
    for out, src in zip(cropped, padded, strict=True):
        windows = [src[i : i + 16, j : j + 16] for i in range(5) for j in range(5)]
        assert any(np.array_equal(out, w) for w in windows)


def test_cutout_erases_one_patch_per_image():
    images = np.full((16, 20, 20, 3), 200, np.uint8)
    out = Augmenter("cutout:6", seed=0)(images, epoch=0, step=0).numpy()
    erased = (out == 0).all(axis=-1).sum(axis=(1, 2))
    assert (erased > 0).all() and (erased <= 36).all() and (erased == 36).any()


def test_fused_xla_and_kernel_paths_agree():
    images, _ = _batch(n=16, size=20)
    for spec in ("cifar", "mnist", "randaugment", "crop:4,flip,shear:10,translate:0.1"):
        fast = Augmenter(spec, seed=5, jit_compile=True)(images, epoch=2, step=3)
        fast = fast.numpy().astype(int)
        plain = Augmenter(spec, seed=5, jit_compile=False)(images, epoch=2, step=3)
        assert np.abs(fast - plain.numpy().astype(int)).max() <= 1, spec


# --- seeding and epochs ----------------------------------------------------------------------


def _stream(dataset):
    return [images.numpy() for images, _ in dataset]


def test_same_seed_same_stream_and_each_epoch_differs():
    images, labels = _batch(n=32)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    a = Augmenter("cifar", seed=7, jit_compile=True).apply(dataset)
    b = Augmenter("cifar", seed=7, jit_compile=True).apply(dataset)
    c = Augmenter("cifar", seed=8).apply(dataset)
    a0, a1 = _stream(a), _stream(a)
    b0, b1 = _stream(b), _stream(b)
    assert a.cardinality() == 4
    for x, y in zip(a0 + a1, b0 + b1, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not any(np.array_equal(x, y) for x, y in zip(a0, a1, strict=True))
    assert not any(np.array_equal(x, y) for x, y in zip(a0, _stream(c), strict=True))
    assert not np.array_equal(a0[0], a0[1][::-1])  # steps within an epoch differ too


def test_explicit_epochs_and_resuming():
    images, labels = _batch(n=16)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    augmenter = Augmenter("crop:4,flip,rotate:15", seed=1)
    counted = augmenter.apply(dataset)
    epoch0, epoch1 = _stream(counted), _stream(counted)
    fixed = _stream(Augmenter("crop:4,flip,rotate:15", seed=1).apply(dataset, epoch=1))
    for x, y in zip(epoch1, fixed, strict=True):
        np.testing.assert_array_equal(x, y)
    augmenter.set_epoch(0)
    for x, y in zip(_stream(counted), epoch0, strict=True):
        np.testing.assert_array_equal(x, y)
    # Augmenting a batch is independent of how the map runs (key = seed, epoch, step).
    direct = augmenter(images[8:], labels[8:], epoch=1, step=1)[0]
    np.testing.assert_array_equal(direct, epoch1[1])


def test_dataset_map_without_keys_is_reproducible():
    images, labels = _batch(n=16)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    first = _stream(dataset.map(Augmenter("cifar", seed=2)))
    second = _stream(dataset.map(Augmenter("cifar", seed=2)))
    for x, y in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], images[:8])


def test_images_only_and_weighted_datasets():
    images, labels = _batch(n=8)
    weights = np.ones(8, np.float32)
    only = Augmenter("flip", seed=0).apply(tf.data.Dataset.from_tensor_slices(images).batch(4))
    assert next(iter(only)).shape == (4, 16, 16, 3)
    weighted = tf.data.Dataset.from_tensor_slices((images, labels, weights)).batch(4)
    x, y, w = next(iter(Augmenter("flip", seed=0).apply(weighted)))
    np.testing.assert_array_equal(y, labels[:4])
    np.testing.assert_array_equal(w, weights[:4])


@pytest.mark.parametrize("jit_compile", [False, True], ids=["kernel", "xla_gather"])
def test_batches_of_decoded_images_of_unknown_shape(jit_compile):
    # tf.io.decode_image in Dataset.map gives tensors of unknown rank and size; batched,
    # they augment like the same images given as an array.
    images, labels = _batch(n=4, size=9)
    encoded = [tf.io.encode_png(image) for image in images]
    decoded = tf.data.Dataset.from_tensor_slices((encoded, labels)).map(
        lambda png, label: (tf.io.decode_image(png), label)
    )
    batched = decoded.batch(2)
    assert batched.element_spec[0].shape.rank is None
    spec = "crop:2,flip,rotate:10,cutout:3"
    augmented = _stream(Augmenter(spec, seed=3, jit_compile=jit_compile).apply(batched, epoch=0))
    known = tf.data.Dataset.from_tensor_slices((images, labels)).batch(2)
    expected = _stream(Augmenter(spec, seed=3, jit_compile=jit_compile).apply(known, epoch=0))
    for x, y in zip(augmented, expected, strict=True):
        np.testing.assert_array_equal(x, y)


# --- mixing labels -----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["mixup:0.4", "cutmix:1.0", "mixup:1,cutmix:1"])
def test_mixing_mixes_labels_with_the_images(spec):
    # Image k is the constant k * 10 with one-hot label k, so the mean of every mixed image
    # must equal the label-weighted mean of the constants.
    n, classes = 12, 12
    values = np.arange(n, dtype=np.float32) * 10.0
    images = np.broadcast_to(values[:, None, None, None], (n, 16, 16, 3)).copy()
    mixed, soft = Augmenter(spec, seed=4, num_classes=classes)(
        images, np.arange(n), epoch=0, step=0
    )
    soft = soft.numpy()
    assert soft.shape == (n, classes) and soft.dtype == np.float32
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, atol=1e-5)
    assert (soft >= 0).all() and (soft.max(axis=1) < 1).any()
    np.testing.assert_allclose(mixed.numpy().mean(axis=(1, 2, 3)), soft @ values, atol=1e-3)


def test_mixing_accepts_soft_labels_and_needs_num_classes():
    images, labels = _batch(n=4)
    one_hot = np.eye(10, dtype=np.float32)[labels]
    _, soft = Augmenter("mixup", seed=0)(images.astype(np.float32), one_hot, epoch=0, step=0)
    np.testing.assert_allclose(soft.numpy().sum(axis=1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="num_classes"):
        Augmenter("cutmix", seed=0)(images, labels, epoch=0, step=0)
    with pytest.raises(ValueError, match="pass labels"):
        Augmenter("mixup", seed=0, num_classes=10)(images, epoch=0, step=0)


# --- the Keras layer ---------------------------------------------------------------------------


def test_layer_augments_only_in_training(tmp_path):
    images, labels = _batch(n=8)
    layer = Augmentation("crop:4,flip,rotate:15,cutout:4", seed=3)
    np.testing.assert_array_equal(layer(images, training=False), images)
    assert not np.array_equal(layer(images, training=True), images)
    assert not np.array_equal(layer(images, training=True), layer(images, training=True))

    inputs = keras.Input((16, 16, 3), dtype="uint8")
    augmented = Augmentation("cifar", seed=0)(inputs)
    model = keras.Model(inputs, keras.ops.cast(augmented, "float32"))
    # predict/evaluate run with training=False: validation and test data pass unchanged.
    np.testing.assert_array_equal(model.predict(images, verbose=0), images.astype(np.float32))

    path = tmp_path / "augment.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    layer = [lay for lay in restored.layers if isinstance(lay, Augmentation)][0]
    assert layer.spec == "crop:4,flip:h,rotate:15.0,cutout:8" and layer.seed == 0


def test_layer_config_round_trip_and_rejects_mixing():
    layer = Augmentation("mnist", seed=9, fill_mode="reflect", value_range=(0, 1))
    clone = Augmentation.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="mix labels"):
        Augmentation("cifar,mixup")

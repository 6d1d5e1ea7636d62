"""Image data sources and the trainer's schedules: shapes, errors, epoch-keyed shuffling."""

import keras
import numpy as np
import pytest

from kerasdl import schedules, trainer
from kerasdl.data import InputError, sources


@pytest.mark.parametrize("seed", [0, 7])  # seed 0 once crashed a tensor-seeded shuffle
def test_epoch_shuffle_order_depends_only_on_seed_and_epoch(seed):
    images = np.arange(10, dtype=np.uint8).reshape(10, 1, 1, 1)
    shuffle = sources.EpochShuffle(seed)
    dataset = sources.image_dataset(images, np.arange(10), 4, shuffle)
    epochs = [np.concatenate([y.numpy() for _, y in dataset]) for _ in range(3)]
    assert all(sorted(order) == list(range(10)) for order in epochs)
    assert not np.array_equal(epochs[0], epochs[1])
    again = sources.EpochShuffle(seed)
    again.set_epoch(2)  # a resumed run starting at epoch 2
    resumed = sources.image_dataset(images, np.arange(10), 4, again)
    assert np.array_equal(np.concatenate([y.numpy() for _, y in resumed]), epochs[2])


def test_validation_split_is_stratified_and_disjoint():
    data = sources.with_validation_split(sources.load_digits(), 0.1, seed=0)
    assert len(data.x_valid) == 144 and len(data.x_train) == 1293
    assert set(np.unique(data.y_valid)) == set(range(10))


@pytest.mark.parametrize(
    ("classes", "per_class"), [(100, 3), (5, 2), (3, 1)], ids=["many_classes", "tiny", "singletons"]
)
def test_validation_split_of_data_too_small_to_stratify(classes, per_class):
    # Stratifying needs 2+ examples per class and room for every class in both parts;
    # sklearn raises otherwise. The split is then uniform at random.
    labels = np.repeat(np.arange(classes), per_class)
    images = np.arange(len(labels)).reshape(-1, 1, 1, 1)
    data = sources.ImageData(images, labels, images, labels, [str(i) for i in range(classes)])
    data = sources.with_validation_split(data, 0.1, seed=0)
    assert len(data.x_valid) == int(np.ceil(0.1 * len(labels))) >= 1
    assert len(data.x_train) + len(data.x_valid) == len(labels)
    assert sorted(np.concatenate([data.x_train, data.x_valid]).ravel()) == list(range(len(labels)))


def test_validation_split_of_one_image_is_an_input_error():
    one = sources.ImageData(
        np.zeros((1, 2, 2, 1), np.uint8), np.zeros(1, np.int64), None, None, ["a"]
    )
    with pytest.raises(InputError, match="--validation_fraction: 1 example"):
        sources.with_validation_split(one, 0.1, seed=0)


def _write_image(path, image):
    import tensorflow as tf

    encode = tf.io.encode_png if path.suffix == ".png" else tf.io.encode_jpeg
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(image).numpy())


def test_image_folder_of_grey_pngs_and_rgb_jpegs_becomes_rgb(tmp_path):
    grey = np.full((6, 5, 1), 100, np.uint8)
    rgb = np.zeros((9, 4, 3), np.uint8) + np.array([200, 50, 10], np.uint8)
    for split in ("train", "test"):
        _write_image(tmp_path / split / "a" / "grey.png", grey)
        _write_image(tmp_path / split / "b" / "rgb.jpg", rgb)
        _write_image(tmp_path / split / "b" / "rgba.png", np.dstack([grey, grey, grey, grey]))
    data = sources.load_image_folder(str(tmp_path), image_size=(6, 5))
    assert data.x_train.shape == (3, 6, 5, 3) and data.x_test.shape == (3, 6, 5, 3)
    grey_png, rgb_jpeg, rgba_png = data.x_train  # class folders in order, files sorted
    np.testing.assert_array_equal(grey_png, np.repeat(grey, 3, axis=-1))  # repeated
    assert np.abs(rgb_jpeg.astype(int) - rgb[0, 0]).max() <= 2  # JPEG rounding, resized
    np.testing.assert_array_equal(rgba_png, np.repeat(grey, 3, axis=-1))  # alpha dropped


def test_image_folder_of_grey_images_stays_grey_and_test_takes_train_channels(tmp_path):
    grey = np.arange(20, dtype=np.uint8).reshape(4, 5, 1)
    _write_image(tmp_path / "train" / "a" / "1.png", grey)
    _write_image(tmp_path / "train" / "b" / "2.png", np.dstack([grey, grey]))  # grey + alpha
    _write_image(tmp_path / "test" / "a" / "3.png", np.dstack([grey, grey, grey]))  # RGB
    data = sources.load_image_folder(str(tmp_path))
    assert data.image_shape == (4, 5, 1)
    np.testing.assert_array_equal(data.x_train[1], grey)
    np.testing.assert_array_equal(data.x_test[0], grey)  # luma of a grey RGB is the grey


def test_image_folder_sizes_must_agree_without_image_size(tmp_path):
    _write_image(tmp_path / "a" / "1.png", np.zeros((4, 4, 1), np.uint8))
    _write_image(tmp_path / "a" / "2.jpg", np.zeros((5, 4, 3), np.uint8))
    with pytest.raises(InputError, match="2.jpg: image is 5x4 pixels but earlier images are 4x4"):
        sources.load_image_folder(str(tmp_path))


def test_load_npz_accepts_greyscale_without_channel_axis(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "d.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 255, (6, 5, 5), dtype=np.uint8),
        y_train=np.array([0, 1, 2, 0, 1, 2]),
        x_test=rng.integers(0, 255, (3, 5, 5), dtype=np.uint8),
        y_test=np.array([0, 1, 2]),
        class_names=np.array(["a", "b", "c"]),
    )
    data = sources.load_npz(str(path))
    assert data.image_shape == (5, 5, 1) and data.class_names == ["a", "b", "c"]


def test_load_npz_rejects_float_pixels_out_of_range(tmp_path):
    path = tmp_path / "f.npz"
    np.savez(
        path,
        x_train=np.full((2, 4, 4), 300.0),
        y_train=[0, 1],
        x_test=np.zeros((1, 4, 4)),
        y_test=[0],
    )
    with pytest.raises(InputError, match="x_train has values outside 0..255"):
        sources.load_npz(str(path))


def test_one_cycle_and_warmup_schedules_round_trip():
    one_cycle = schedules.OneCycle(0.1, total_steps=100)
    assert float(one_cycle(0)) == pytest.approx(0.1 / 25)
    assert float(one_cycle(30)) == pytest.approx(0.1)
    assert float(one_cycle(100)) == pytest.approx(0.1 / 25 / 1e4)
    warm = schedules.Warmup(keras.optimizers.schedules.CosineDecay(0.1, 100), warmup_steps=10)
    assert float(warm(0)) == pytest.approx(0.1 * np.cos(np.pi * 10 / 100) / 2 * 0 + warm(9) / 10)
    assert float(warm(50)) == pytest.approx(
        float(keras.optimizers.schedules.CosineDecay(0.1, 100)(50))
    )
    for schedule in (one_cycle, warm):
        restored = type(schedule).from_config(schedule.get_config())
        assert float(restored(42)) == pytest.approx(float(schedule(42)))


@pytest.mark.parametrize("name", ["constant", "cosine", "step", "one_cycle"])
def test_learning_rate_schedules_by_name(name):
    schedule = trainer.learning_rate_schedule(name, 0.1, steps_per_epoch=10, epochs=10)
    value = schedule if isinstance(schedule, float) else float(schedule(99))
    assert 0 <= value <= 0.1


def test_unknown_strategy_and_optimizer_are_input_errors():
    with pytest.raises(InputError, match="--strategy"):
        trainer.get_strategy("warp")
    with pytest.raises(InputError, match="--optimizer"):
        trainer.make_optimizer("teleport", 0.1)
    assert trainer.make_optimizer("sgd", 0.1, momentum=0.5).momentum == 0.5
    with pytest.raises(InputError, match="--ema"):
        trainer.make_optimizer("adam", 0.1, ema=1.5)


def test_ema_ends_training_on_the_averaged_weights():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(trainer.make_optimizer("sgd", 0.1, ema=0.9), "mse")
    optimizer = model.optimizer
    assert optimizer.use_ema and optimizer.ema_momentum == 0.9
    model.fit(x, x.sum(1, keepdims=True), epochs=2, batch_size=16, verbose=0)
    average = [v.numpy() for v in optimizer._model_variables_moving_average]
    for weight, averaged in zip(model.get_weights(), average, strict=True):
        np.testing.assert_array_equal(weight, averaged)

"""Image data: class folders, `.npz` files and their errors."""

import numpy as np
import pytest

from kerasdl.data import InputError, images


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
    data = images.load_image_folder(str(tmp_path), image_size=(6, 5))
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
    data = images.load_image_folder(str(tmp_path))
    assert data.image_shape == (4, 5, 1)
    np.testing.assert_array_equal(data.x_train[1], grey)
    np.testing.assert_array_equal(data.x_test[0], grey)  # luma of a grey RGB is the grey


def test_image_folder_sizes_must_agree_without_image_size(tmp_path):
    _write_image(tmp_path / "a" / "1.png", np.zeros((4, 4, 1), np.uint8))
    _write_image(tmp_path / "a" / "2.jpg", np.zeros((5, 4, 3), np.uint8))
    with pytest.raises(InputError, match="2.jpg: image is 5x4 pixels but earlier images are 4x4"):
        images.load_image_folder(str(tmp_path))


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
    data = images.load_npz(str(path))
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
        images.load_npz(str(path))

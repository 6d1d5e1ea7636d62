"""The odd-input sweep, images: unusual but valid data that the trainer must take in its stride.

Each case runs `python -m applications.image_classification` for one epoch on tiny data and
checks what it leaves: exit status 0 and no traceback, a `metrics.json` whose
accuracies are in range, and a SavedModel whose `serving_default` answers raw uint8 images
of the training size with one probability row per image.
"""

import json

import numpy as np
import pytest
from conftest import run_trainer


def labelled_images(num_classes, per_class, shape, seed):
    """Images whose mean brightness encodes the class (learnable), with their labels."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(num_classes), per_class)
    level = (labels + 0.5) * 255.0 / num_classes
    noise = rng.normal(0, 8, (len(labels), *shape))
    images = np.clip(level.reshape(-1, *([1] * len(shape))) + noise, 0, 255).astype(np.uint8)
    order = rng.permutation(len(labels))
    return images[order], labels[order]


def write_npz(path, num_classes, shape, train_per_class=4, test_per_class=2, valid_per_class=0):
    arrays = {}
    splits = {"train": train_per_class, "test": test_per_class, "valid": valid_per_class}
    for seed, (split, per_class) in enumerate(splits.items()):
        if per_class:
            images, labels = labelled_images(num_classes, per_class, shape, seed)
            arrays[f"x_{split}"], arrays[f"y_{split}"] = images, labels
    np.savez(path, **arrays)
    return [f"--data_file={path}"]


def write_mixed_folder(root):
    """Class folders mixing grayscale PNGs and RGB JPEGs of different sizes."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    for label, name in enumerate(("dark", "light")):
        folder = root / name
        folder.mkdir(parents=True)
        level = 60 + 120 * label
        for index in range(6):
            if index % 2:
                size = (16 + index, 12 + 2 * index, 3)
                image = np.clip(rng.normal(level, 10, size), 0, 255).astype(np.uint8)
                data = tf.io.encode_jpeg(image, quality=95).numpy()
                (folder / f"{index}.jpg").write_bytes(data)
            else:
                size = (20 - index, 16 + index, 1)
                image = np.clip(rng.normal(level, 10, size), 0, 255).astype(np.uint8)
                (folder / f"{index}.png").write_bytes(tf.io.encode_png(image).numpy())
    return [f"--data_dir={root}", "--image_size=16,16"]


# (flags(tmp_path), classes, image shape to serve); slow cases add little the fast ones and
# tests/test_images.py do not already cover.
CASES = [
    pytest.param(
        lambda d: write_npz(d / "a.npz", 3, (8, 8, 1), valid_per_class=1),
        3,
        (8, 8, 1),
        id="one_image_per_class_in_validation",
    ),
    pytest.param(
        lambda d: write_npz(d / "b.npz", 5, (8, 8, 1), train_per_class=2),
        5,
        (8, 8, 1),
        id="validation_split_smaller_than_class_count",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        lambda d: write_npz(d / "c.npz", 3, (1, 1, 3)), 3, (1, 1, 3), id="one_by_one_images"
    ),
    pytest.param(
        lambda d: write_npz(d / "d.npz", 2, (500, 3, 1)),
        2,
        (500, 3, 1),
        id="500_by_3_images",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        lambda d: write_mixed_folder(d / "mixed"),
        2,
        (16, 16, 3),
        id="grey_png_and_rgb_jpeg_of_different_sizes",
    ),
    pytest.param(
        lambda d: write_npz(d / "e.npz", 2, (8, 8, 1)),
        2,
        (8, 8, 1),
        id="two_classes",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        lambda d: write_npz(d / "f.npz", 100, (8, 8, 1), train_per_class=3, test_per_class=1),
        100,
        (8, 8, 1),
        id="hundred_classes",
    ),
]


@pytest.mark.parametrize(("make_flags", "num_classes", "shape"), CASES)
def test_odd_but_valid_images_train_evaluate_export_and_serve(
    make_flags, num_classes, shape, tmp_path
):
    model_dir = tmp_path / "model"
    result = run_trainer(
        "image_classification",
        f"--model_dir={model_dir}",
        "--epochs=1",
        "--batch_size=16",
        *make_flags(tmp_path),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert len(metrics["class_names"]) == num_classes
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
    assert 0.0 <= metrics["valid"]["accuracy"] <= 1.0
    report = json.loads((model_dir / "report.json").read_text())
    assert 0.0 <= report["accuracy"] <= 1.0

    import tensorflow as tf

    serve = tf.saved_model.load(str(model_dir / "export")).signatures["serving_default"]
    images = np.random.default_rng(1).integers(0, 255, (3, *shape), dtype=np.uint8)
    outputs = serve(images=tf.constant(images))
    probabilities = outputs["probabilities"].numpy()
    assert probabilities.shape == (3, num_classes)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-4)
    names = outputs["class_names"].numpy().astype(str)
    assert set(names) <= set(metrics["class_names"])

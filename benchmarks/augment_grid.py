"""Writes a grid of augmented samples, one row per augmentation step, as a PNG.

The first column is the untouched image; the others are the same image under
``Augmenter(step)`` with different random draws (different ``step`` keys). Source images are
crops of the two colour photographs shipped with scikit-learn
(`sklearn.datasets.load_sample_images`), resized to ``--size`` pixels. The PNG is encoded
with `tf.io.encode_png`; no plotting library is needed.

    python benchmarks/augment_grid.py [--out docs/augment_grid.png] [--size 44] [--samples 6]
"""

from __future__ import annotations

import argparse
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasdl.data.augmentation import Augmenter  # noqa: E402

# One row each; strengths a little above the defaults so each step is visible at 44 px.
ROWS = (
    "crop:8",
    "flip",
    "rotate:30",
    "scale:0.25",
    "translate:0.2",
    "shear:20",
    "cutout:16",
    "brightness:0.3",
    "contrast:0.5",
    "saturation:0.8",
    "hue:0.2",
    "mixup:0.4",
    "cutmix:1.0",
    "randaugment:2:9",
    "cifar",
)
GAP = 2  # pixels of white between tiles


def source_images(size: int, count: int) -> np.ndarray:
    """``count`` square crops of scikit-learn's sample photos, ``[count, size, size, 3]`` uint8."""
    from sklearn.datasets import load_sample_images

    photos = load_sample_images().images  # china.jpg, flower.jpg: 427 x 640 x 3
    boxes = [  # (photo, top, left, side) in pixels
        (0, 60, 200, 260),
        (1, 40, 150, 330),
        (0, 160, 0, 260),
        (1, 150, 330, 240),
        (0, 100, 380, 260),
        (1, 0, 0, 300),
    ]
    tiles = []
    for photo, top, left, side in (boxes * count)[:count]:
        crop = photos[photo][top : top + side, left : left + side]
        tiles.append(tf.image.resize(crop, (size, size), antialias=True))
    return np.clip(np.round(np.stack(tiles)), 0, 255).astype(np.uint8)


def grid(size: int, samples: int, seed: int) -> np.ndarray:
    """``[rows * (size + GAP), (samples + 1) * (size + GAP), 3]`` uint8: a row per step."""
    images = source_images(size, len(ROWS))
    labels = np.arange(len(ROWS))
    height = len(ROWS) * (size + GAP) - GAP
    width = (samples + 1) * (size + GAP) - GAP
    canvas = np.full((height, width, 3), 255, np.uint8)
    for row, spec in enumerate(ROWS):
        augmenter = Augmenter(spec, seed=seed, num_classes=len(ROWS))
        image = images[row]
        outputs = [image]
        for column in range(samples):
            # The row's image is first in the batch; the rest are mixing partners.
            batch = np.roll(images, -row, axis=0)
            out = augmenter(batch, np.roll(labels, -row), epoch=0, step=column)
            outputs.append(np.asarray(out[0] if isinstance(out, tuple) else out)[0])
        for column, tile in enumerate(outputs):
            top, left = row * (size + GAP), column * (size + GAP)
            canvas[top : top + size, left : left + size] = tile
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/augment_grid.png")
    parser.add_argument("--size", type=int, default=44, help="tile side in pixels")
    parser.add_argument("--samples", type=int, default=6, help="augmented samples per row")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    canvas = grid(args.size, args.samples, args.seed)
    path = pathlib.Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tf.io.write_file(str(path), tf.io.encode_png(canvas, compression=9))
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB); rows: {', '.join(ROWS)}")


if __name__ == "__main__":
    main()

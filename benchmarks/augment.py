"""Images/s of the standard CIFAR augmentation: kerasdl's pipeline beside Keras 3 layers.

The recipe: zero-pad 4 + random 32x32 crop, horizontal flip, rotation by U(-15, 15) degrees
(bilinear, zero fill), cutout of one 8x8 patch; on batches of 128 uint8 images 32x32x3,
augmented per batch inside tf.data (map after batch, ``num_parallel_calls=AUTOTUNE``).

- kerasdl: ``Augmenter("crop:4,flip,rotate:15,cutout:8").apply(dataset)`` — the geometric
  steps and the cutout are fused into one warp per batch, compiled with XLA. Also shown, not
  in the ratio: the same with ``jit_compile=False`` (one `ImageProjectiveTransformV3` warp).
- Keras 3: ``ZeroPadding2D(4) -> RandomCrop(32, 32) -> RandomFlip("horizontal") ->
  RandomRotation(15/360, fill_mode="constant") -> RandomErasing(scale=1/16, fill_value=0)``
  called in ``dataset.map`` with ``training=True``.

Both pipelines read the same cached batches and run in the same process, alternating, so
the ratio is meaningful on a busy machine even when the absolute figures are not. Prints
the images/s of each (median over ``--repeats`` timed passes) and their ratio, and the
same per CPU-second of this process (steadier when other jobs share the CPUs).

    python benchmarks/augment.py [--batches 200] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasdl.data.augmentation import Augmenter  # noqa: E402

BATCH = 128
SIZE = 32
SPEC = "crop:4,flip,rotate:15,cutout:8"


def source(num_batches: int) -> tf.data.Dataset:
    """Cached random uint8 batches (content does not change the cost of these ops)."""
    images = np.random.default_rng(0).integers(0, 256, (num_batches * BATCH, SIZE, SIZE, 3))
    labels = np.arange(num_batches * BATCH) % 10
    ds = tf.data.Dataset.from_tensor_slices((images.astype(np.uint8), labels.astype(np.int32)))
    return ds.batch(BATCH, drop_remainder=True).cache()


def kerasdl_pipeline(ds: tf.data.Dataset, jit_compile: bool = True) -> tf.data.Dataset:
    augmenter = Augmenter(SPEC, seed=0, jit_compile=jit_compile)
    return augmenter.apply(ds).prefetch(tf.data.AUTOTUNE)


def keras_pipeline(ds: tf.data.Dataset) -> tf.data.Dataset:
    layers = keras.Sequential(
        [
            keras.layers.ZeroPadding2D(4),
            keras.layers.RandomCrop(SIZE, SIZE, seed=0),
            keras.layers.RandomFlip("horizontal", seed=0),
            keras.layers.RandomRotation(15 / 360, fill_mode="constant", seed=0),
            keras.layers.RandomErasing(
                factor=(1.0, 1.0), scale=(1 / 16, 1 / 16), fill_value=0.0, seed=0
            ),
        ]
    )
    return ds.map(
        lambda x, y: (layers(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE
    ).prefetch(tf.data.AUTOTUNE)


def images_per_second(ds: tf.data.Dataset, num_batches: int) -> tuple[float, float]:
    """(images per wall-clock second, images per CPU-second of this process)."""
    count = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    for images, _ in ds.take(num_batches):
        count += int(images.shape[0])
    return count / (time.perf_counter() - start), count / (time.process_time() - start_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200, help="batches per timed pass")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes per pipeline")
    args = parser.parse_args()

    base = source(50).repeat()
    pipelines = {
        "kerasdl": kerasdl_pipeline(base),
        "keras layers": keras_pipeline(base),
        "kerasdl no XLA": kerasdl_pipeline(base, jit_compile=False),
    }
    for ds in pipelines.values():  # warm up: trace functions, fill the cache
        images_per_second(ds, 20)
    rates: dict[str, list[float]] = {name: [] for name in pipelines}
    cpu_rates: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(args.repeats):
        for name, ds in pipelines.items():
            wall, cpu = images_per_second(ds, args.batches)
            rates[name].append(wall)
            cpu_rates[name].append(cpu)
    print(f"recipe: {SPEC} | batch {BATCH}x{SIZE}x{SIZE}x3 uint8 | CPUs: {os.cpu_count()}")
    for name, values in rates.items():
        runs = ", ".join(f"{v:,.0f}" for v in values)
        cpu = statistics.median(cpu_rates[name])
        print(
            f"{name:>14}: {statistics.median(values):>9,.0f} images/s"
            f"  ({cpu:,.0f} images per CPU-second; runs: {runs})"
        )
    wall_ratio = statistics.median(rates["kerasdl"]) / statistics.median(rates["keras layers"])
    cpu_ratio = statistics.median(cpu_rates["kerasdl"]) / statistics.median(
        cpu_rates["keras layers"]
    )
    print(f"         ratio: {wall_ratio:.2f}x images/s, {cpu_ratio:.2f}x per CPU-second")


if __name__ == "__main__":
    main()

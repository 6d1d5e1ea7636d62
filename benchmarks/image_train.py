"""Training throughput of the image trainer's model and input pipeline, beside plain Keras.

kerasdl: `kerasdl.models.simple_cnn` (with its in-model Normalization) fed by
`kerasdl.data.sources.image_dataset`, compiled as `applications.image_classification`
compiles it. Reference: the same architecture written layer by layer with plain Keras,
fed by a plain `tf.data` pipeline. Both train on the same uint8 images in the same
process; each figure is the median over `--repeats` timed runs of `--steps` steps after a
warm-up run.

    python benchmarks/image_train.py                       # MNIST-shaped images
    python benchmarks/image_train.py --data_file=../shared/data/mnist/mnist.npz
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from kerasdl import models  # noqa: E402
from kerasdl.data import sources  # noqa: E402

flags.DEFINE_string("data_file", None, ".npz with x_train, y_train; default: random 28x28x1.")
flags.DEFINE_integer("batch_size", 128, "Batch size.")
flags.DEFINE_integer("steps", 60, "Training steps per timed run.")
flags.DEFINE_integer("repeats", 5, "Timed runs per pipeline; the median is reported.")
FLAGS = flags.FLAGS


def plain_keras_cnn(input_shape, num_classes, normalizer):
    """simple_cnn's architecture, written out with plain Keras layers."""
    x = inputs = keras.Input(shape=input_shape)
    x = normalizer(x)
    for filters in (32, 64):
        for _ in range(2):
            x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = keras.layers.BatchNormalization()(x)
            x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D(2, padding="same")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    x = keras.layers.Dropout(0.3)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def plain_dataset(images, labels, batch_size):
    dataset = tf.data.Dataset.from_tensor_slices((images.astype(np.float32), labels))
    return dataset.shuffle(len(images), seed=0).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def images_per_second(model, dataset, steps, repeats, batch_size):
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    stream = dataset.repeat()
    model.fit(stream, steps_per_epoch=steps, epochs=1, verbose=0)  # warm-up: tracing
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(stream, steps_per_epoch=steps, epochs=1, verbose=0)
        rates.append(steps * batch_size / (time.perf_counter() - start))
    return statistics.median(rates), rates


def main(argv):
    if FLAGS.data_file:
        data = sources.load_npz(FLAGS.data_file)
        images, labels = data.x_train, data.y_train
    else:
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (8192, 28, 28, 1), dtype=np.uint8)
        labels = rng.integers(0, 10, 8192)
    num_classes = int(labels.max()) + 1
    results = {}
    for name in ("plain Keras", "kerasdl"):
        keras.utils.set_random_seed(0)
        normalizer = keras.layers.Normalization(axis=-1)
        normalizer.adapt(images[:4096].astype(np.float32))
        if name == "kerasdl":
            model = models.simple_cnn(images.shape[1:], num_classes, normalizer=normalizer)
            dataset = sources.image_dataset(images, labels, FLAGS.batch_size, shuffle_seed=0)
        else:
            model = plain_keras_cnn(images.shape[1:], num_classes, normalizer)
            dataset = plain_dataset(images, labels, FLAGS.batch_size)
        results[name] = images_per_second(
            model, dataset, FLAGS.steps, FLAGS.repeats, FLAGS.batch_size
        )
    print(
        f"simple_cnn training, batch {FLAGS.batch_size}, {images.shape[1:]} images, "
        f"{FLAGS.steps} steps x {FLAGS.repeats} repeats, {os.cpu_count()} CPUs"
    )
    print(f"{'pipeline':<12} {'median images/s':>16}  runs")
    for name, (median, rates) in results.items():
        print(f"{name:<12} {median:>16,.0f}  {', '.join(f'{r:,.0f}' for r in rates)}")
    ratio = results["kerasdl"][0] / results["plain Keras"][0]
    print(f"ratio kerasdl / plain Keras: {ratio:.3f}")


if __name__ == "__main__":
    app.run(main)

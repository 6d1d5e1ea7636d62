"""Training throughput of the image trainer's models and input pipeline, beside plain Keras.

kerasdl: `kerasdl.models.simple_cnn` or `kerasdl.models.resnet(depth=20)` (with the
in-model Normalization) fed by `kerasdl.data.images.image_dataset`, compiled as
`applications.image_classification` compiles it. Reference: the same architecture written
layer by layer with plain Keras layers, fed by a plain `tf.data` pipeline. Both train on
the same uint8 images in the same process, alternating; each figure is the median over
`--repeats` timed runs of `--steps` steps after a warm-up run. `--variants` adds kerasdl
runs with `jit_compile=True` (XLA) and with the `mixed_bfloat16` policy.

    python benchmarks/image_train.py --model=resnet20 --variants   # CIFAR-shaped images
    python benchmarks/image_train.py --model=simple_cnn            # MNIST-shaped images
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
from kerasdl.data.epochs import EpochShuffle  # noqa: E402
from kerasdl.data.images import image_dataset, load_npz  # noqa: E402

flags.DEFINE_string("model", "resnet20", "resnet20 (32x32x3 images) or simple_cnn (28x28x1).")
flags.DEFINE_string("data_file", None, ".npz with x_train, y_train; default: random images.")
flags.DEFINE_bool("variants", False, "Also time kerasdl with XLA and with mixed_bfloat16.")
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


def plain_keras_resnet20(input_shape, num_classes, normalizer):
    """ResNet-20 (He et al. 2016, option-A shortcuts) written with plain Keras layers."""

    def conv(filters, strides=1):
        return keras.layers.Conv2D(
            filters, 3, strides, padding="same", use_bias=False, kernel_initializer="he_normal"
        )

    x = inputs = keras.Input(shape=input_shape)
    x = normalizer(x)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(conv(16)(x)))
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(3):
            strides = 2 if stage > 0 and block == 0 else 1
            y = keras.layers.ReLU()(keras.layers.BatchNormalization()(conv(filters, strides)(x)))
            y = keras.layers.BatchNormalization(gamma_initializer="zeros")(conv(filters)(y))
            if strides != 1 or x.shape[-1] != filters:
                missing = filters - x.shape[-1]
                x = keras.layers.Lambda(
                    lambda t, s=strides, m=missing: keras.ops.pad(
                        t[:, ::s, ::s, :], [[0, 0], [0, 0], [0, 0], [m // 2, m - m // 2]]
                    )
                )(x)
            x = keras.layers.ReLU()(keras.layers.Add()([x, y]))
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def plain_dataset(images, labels, batch_size):
    dataset = tf.data.Dataset.from_tensor_slices((images.astype(np.float32), labels))
    return dataset.shuffle(len(images), seed=0).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def main(argv):
    shape = (32, 32, 3) if FLAGS.model == "resnet20" else (28, 28, 1)
    if FLAGS.data_file:
        data = load_npz(FLAGS.data_file)
        images, labels = data.x_train, data.y_train
    else:
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (8192, *shape), dtype=np.uint8)
        labels = rng.integers(0, 10, 8192)
    num_classes = int(labels.max()) + 1
    runs = ["plain Keras", "kerasdl"]
    if FLAGS.variants:
        runs += ["kerasdl + XLA", "kerasdl + bf16"]

    def build(name):
        keras.utils.set_random_seed(0)
        keras.mixed_precision.set_global_policy("mixed_bfloat16" if "bf16" in name else "float32")
        normalizer = keras.layers.Normalization(axis=-1)
        normalizer.adapt(images[:4096].astype(np.float32))
        if name == "plain Keras":
            builder = plain_keras_resnet20 if FLAGS.model == "resnet20" else plain_keras_cnn
            return builder(images.shape[1:], num_classes, normalizer), plain_dataset(
                images, labels, FLAGS.batch_size
            )
        if FLAGS.model == "resnet20":
            model = models.resnet(images.shape[1:], num_classes, 20, normalizer=normalizer)
        else:
            model = models.simple_cnn(images.shape[1:], num_classes, normalizer=normalizer)
        shuffle = EpochShuffle(0)
        return model, image_dataset(images, labels, FLAGS.batch_size, shuffle)

    results = {name: [] for name in runs}
    prepared = {name: build(name) for name in runs}
    for name in runs:  # warm-up (tracing) once each
        model, dataset = prepared[name]
        prepared[name] = (model, dataset.repeat())
        model.compile(
            optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile="XLA" in name,
        )
        model.fit(prepared[name][1], steps_per_epoch=FLAGS.steps, epochs=1, verbose=0)
    for _ in range(FLAGS.repeats):  # alternate, so drifts in machine load hit all runs alike
        for name in runs:
            model, stream = prepared[name]
            start = time.perf_counter()
            model.fit(stream, steps_per_epoch=FLAGS.steps, epochs=1, verbose=0)
            results[name].append(FLAGS.steps * FLAGS.batch_size / (time.perf_counter() - start))
    print(
        f"{FLAGS.model} training, batch {FLAGS.batch_size}, {images.shape[1:]} images, "
        f"{FLAGS.steps} steps x {FLAGS.repeats} repeats, {os.cpu_count()} CPUs"
    )
    print(f"{'run':<16} {'median images/s':>16}  runs")
    medians = {name: statistics.median(rates) for name, rates in results.items()}
    for name, rates in results.items():
        print(f"{name:<16} {medians[name]:>16,.0f}  {', '.join(f'{r:,.0f}' for r in rates)}")
    for name in runs[1:]:
        print(f"ratio {name} / plain Keras: {medians[name] / medians['plain Keras']:.3f}")


if __name__ == "__main__":
    app.run(main)

"""How long `model.fit` waits after its last step, with tf.data autotuning on and off.

    python benchmarks/fit_wait.py [--calls 6] [--steps 20]

A plain-Keras ResNet-20 (`image_train.plain_keras_resnet20`) trains on a repeated
`tf.data` stream of random CIFAR-shaped images (`image_train.plain_dataset`), one `fit`
call of `--steps` steps at a time, alternating between the stream as TensorFlow builds it
(autotuning on) and the same stream with `tf.data.Options().autotune.enabled = False`.
Prints, per call, the seconds to the end of its last step (`tfa_worker.fit_seconds`, how
`run_all.py` times `fit` calls) and to its return. On the 2-core benchmark machine many
calls with autotuning on return at exactly 5.11 s, a multiple of 5.12 s, whatever their
steps took; without it they return with their last step (benchmarks/README.md).
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tfa_worker  # noqa: E402
from image_train import plain_dataset, plain_keras_resnet20  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=6, help="fit calls per stream")
    parser.add_argument("--steps", type=int, default=20, help="steps per fit call")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (4096, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, len(images))
    normalizer = keras.layers.Normalization(axis=-1)
    normalizer.adapt(images[:2048].astype(np.float32))
    no_autotune = tf.data.Options()
    no_autotune.autotune.enabled = False
    stream = plain_dataset(images, labels, 128).repeat()
    streams = {"autotuning on": stream, "autotuning off": stream.with_options(no_autotune)}
    model = plain_keras_resnet20(images.shape[1:], 10, normalizer)
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy")
    model.fit(stream, steps_per_epoch=2, epochs=1, verbose=0)  # traces the step
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for call in range(args.calls):
        for name, data in streams.items():
            start = time.perf_counter()
            last_step = tfa_worker.fit_seconds(model, data, steps_per_epoch=args.steps)
            total = time.perf_counter() - start
            timings = f"last step {last_step:5.2f} s, return {total:5.2f} s"
            print(f"call {call + 1}, {name:14}: {timings}")


if __name__ == "__main__":
    main()

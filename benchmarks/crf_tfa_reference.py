"""The tensorflow-addons 0.23 half of `benchmarks/crf.py`; runs in the reference interpreter.

Prints one JSON line `{"nll_grad_ms": ..., "decode_ms": ..., "versions": ...}`. It imports
neither kerasdl nor Keras 3, so that `crf.py` can run it with a TF 2.15 + tfa 0.23
interpreter (see `python benchmarks/crf.py --help`). Inputs and timing match `crf.py`.
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def make_inputs(batch_size: int, max_length: int, num_tags: int, seed: int):
    """The same random problem as `crf.py` builds (NumPy, seeded)."""
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(batch_size, max_length, num_tags)).astype(np.float32)
    tags = rng.integers(0, num_tags, size=(batch_size, max_length)).astype(np.int32)
    lengths = rng.integers(1, max_length + 1, size=(batch_size,)).astype(np.int32)
    transitions = rng.normal(size=(num_tags, num_tags)).astype(np.float32)
    return inputs, tags, lengths, transitions


def median_ms(fn, args, warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        tf.nest.map_structure(lambda t: t.numpy(), fn(*args))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tf.nest.map_structure(lambda t: t.numpy(), fn(*args))
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--max_length", type=int, default=50)
    parser.add_argument("--num_tags", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import tensorflow_addons as tfa  # only in the reference interpreter

    inputs, tags, lengths, transitions = (
        tf.constant(a)
        for a in make_inputs(args.batch_size, args.max_length, args.num_tags, args.seed)
    )

    @tf.function
    def nll_grad(inputs, tags, lengths, transitions):
        with tf.GradientTape() as tape:
            tape.watch([inputs, transitions])
            log_likelihood, _ = tfa.text.crf_log_likelihood(inputs, tags, lengths, transitions)
            loss = -tf.reduce_mean(log_likelihood)
        return loss, tape.gradient(loss, [inputs, transitions])

    @tf.function
    def decode(inputs, transitions, lengths):
        return tfa.text.crf_decode(inputs, transitions, lengths)

    result = {
        "nll_grad_ms": median_ms(
            nll_grad, (inputs, tags, lengths, transitions), args.warmup, args.repeats
        ),
        "decode_ms": median_ms(decode, (inputs, transitions, lengths), args.warmup, args.repeats),
        "versions": {"tensorflow": tf.__version__, "tensorflow_addons": tfa.__version__},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

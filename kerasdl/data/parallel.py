"""`parallel_map`: the input pipelines' `dataset.map`, parallel unless op determinism is on.

Under `tf.config.experimental.enable_op_determinism()` (the trainers' `--deterministic`),
tf.data rewrites every parallel map into a sequential `MapDataset`, and TensorFlow 2.21's
rewrite logs an ERROR line ("NodeDef mentions attribute use_unbounded_threadpool ...") that
would stand beside a trainer's one-line error message. Mapping sequentially from the
start gives the same deterministic pipeline without the line.
"""

from __future__ import annotations

import tensorflow as tf


def op_determinism_enabled() -> bool:
    """Whether `enable_op_determinism()` is on (TensorFlow has no public reader; without
    the private one, assume off)."""
    from tensorflow.python.framework import config

    return bool(getattr(config, "is_op_determinism_enabled", lambda: False)())


def parallel_map(dataset: tf.data.Dataset, fn, deterministic: bool | None = None):
    """`dataset.map(fn)` with `num_parallel_calls=AUTOTUNE` (and `deterministic`), or
    sequential under op determinism.

    Example:

    ```python
    from kerasdl.data.parallel import parallel_map

    squares = parallel_map(tf.data.Dataset.range(4), lambda x: x * x)
    ```
    """
    if op_determinism_enabled():
        return dataset.map(fn)
    return dataset.map(fn, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)

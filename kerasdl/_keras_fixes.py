"""Targeted work-arounds for two Keras 3.15 defects that stop `fit` under multi-worker.

With `MultiWorkerMirroredStrategy` and two or more workers, `model.fit` in Keras 3.15
(TensorFlow backend) fails before it trains:

1. `TensorFlowTrainer._maybe_symbolic_build` reduces the whole first `(x, y)` batch with
   `strategy.reduce("MEAN", ...)` only to learn its shapes; the reduce of a nested
   structure fails (`Attempt to convert a value (PerReplica...) to a Tensor`). The build
   needs shapes and dtypes only, so the first local replica's batch serves.
2. `reduce_per_replica` averages every per-replica log value with
   `strategy.reduce("MEAN", v, axis=0)`, but the logs (loss, accuracy) are scalars, and
   axis 0 of a scalar does not exist (`Invalid reduction dimension 0`). Scalars are
   averaged with `axis=None`, the same mean.

`fit_multi_worker_fix()` installs both, once, and only the multi_worker strategy calls it.
Remove this module when Keras fixes them (tests/test_multi_worker.py will tell).
"""

from __future__ import annotations

_INSTALLED = False


def fit_multi_worker_fix() -> None:
    """Makes `fit` work under MultiWorkerMirroredStrategy with several workers (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    import tensorflow as tf
    from keras.src import tree
    from keras.src.backend.tensorflow import trainer as tf_trainer

    def maybe_symbolic_build(self, iterator=None, data_batch=None):
        if self._distribute_strategy is None:
            return
        strategy = self.distribute_strategy
        if iterator is not None:
            for _, _, it in iterator:
                data_batch = tree.map_structure(
                    lambda v: (
                        strategy.experimental_local_results(v)[0]
                        if isinstance(v, tf.distribute.DistributedValues)
                        else v
                    ),
                    next(it),
                )
                break
        with strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    original_reduce = tf_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and isinstance(
            strategy, tf.distribute.MultiWorkerMirroredStrategy
        ):

            def mean(v):
                if not isinstance(v, tf.distribute.DistributedValues):
                    return v
                rank = strategy.experimental_local_results(v)[0].shape.rank
                return strategy.reduce("MEAN", v, axis=0 if rank else None)

            return tree.map_structure(mean, values)
        return original_reduce(values, strategy, reduction)

    tf_trainer.TensorFlowTrainer._maybe_symbolic_build = maybe_symbolic_build
    tf_trainer.reduce_per_replica = reduce_per_replica
    _INSTALLED = True

"""Every call kerasdl makes into Keras' private `keras.src`, in one place.

Keras 3 offers no public API for the things below; each function says what it reaches
into, why nothing public serves, and the Keras versions it was checked against.
tests/test_keras_private.py fails when Keras moves or changes any of them, and setup.py
pins Keras to the minor version that suite has run on.

- Tensor attributes and Keras masks: `get_tensor_attr`, `set_tensor_attr`,
  `get_keras_mask`, `set_keras_mask`.
- `moving_average_of`: the optimizer's moving average (`use_ema`) of each trainable
  variable, which `kerasdl.callbacks.EarlyStopping` keeps as the best epoch's weights.
- `in_symbolic_scope`: whether Keras is evaluating stand-in tensors for shapes.
- `tensorflow_trainer_class`: the TensorFlow backend's trainer, whose steps
  `kerasdl.distribute.skip_empty_replica_batches` wraps.
- `fit_multi_worker_fix`: two work-arounds for Keras 3.15 defects that stop `fit` under
  `MultiWorkerMirroredStrategy` with two or more workers (TensorFlow backend):

  1. `TensorFlowTrainer._maybe_symbolic_build` reduces the whole first `(x, y)` batch with
     `strategy.reduce("MEAN", ...)` only to learn its shapes; the reduce of a nested
     structure fails (`Attempt to convert a value (PerReplica...) to a Tensor`). The build
     needs shapes and dtypes only, so the first local replica's batch serves.
  2. `reduce_per_replica` averages every per-replica log value with
     `strategy.reduce("MEAN", v, axis=0)`, but the logs (loss, accuracy) are scalars, and
     axis 0 of a scalar does not exist (`Invalid reduction dimension 0`). Scalars are
     averaged with `axis=None`, the same mean.

  Remove it when Keras fixes them (tests/test_multi_worker.py will tell).
"""

from __future__ import annotations

import keras
from keras.src.backend.common import masking, symbolic_scope, tensor_attributes

_MULTI_WORKER_FIX_INSTALLED = False


def get_tensor_attr(tensor, name: str):
    """The value stored under `name` on `tensor` by `set_tensor_attr`, or None.

    Reaches into `keras.src.backend.common.tensor_attributes.get_tensor_attr`. Tensors of
    the JAX backend take no Python attributes, so Keras keeps such values in a table keyed
    by tensor id; only its own accessor reads both places, and it is not exported.
    Checked with Keras 3.15.
    """
    return tensor_attributes.get_tensor_attr(tensor, name)


def set_tensor_attr(tensor, name: str, value) -> None:
    """Stores `value` under `name` on `tensor` (None clears it), for every backend.

    Reaches into `keras.src.backend.common.tensor_attributes.set_tensor_attr`, the writer
    of `get_tensor_attr`'s table (see there). Checked with Keras 3.15.
    """
    tensor_attributes.set_tensor_attr(tensor, name, value)


def get_keras_mask(tensor):
    """The Keras mask of `tensor` (e.g. set by `Embedding(mask_zero=True)`), or None.

    Reaches into `keras.src.backend.common.masking.get_keras_mask`. Keras' own losses and
    metrics read masks with it; its guide reads `tensor._keras_mask`, which fails under
    JAX (see `get_tensor_attr`). No public accessor exists. Checked with Keras 3.15.
    """
    return masking.get_keras_mask(tensor)


def set_keras_mask(tensor, mask) -> None:
    """Attaches `mask` as the Keras mask of `tensor`: `keras.losses.Loss` then weights the
    values where it is false by 0 and leaves them out of the mean.

    Reaches into `keras.src.backend.common.masking.set_keras_mask`; layers set masks
    through `compute_mask`, but a loss's `call` has no public way to. Checked with Keras
    3.15.
    """
    masking.set_keras_mask(tensor, mask)


def moving_average_of(optimizer) -> dict:
    """`{id(variable): its moving average}` for the trainable variables of an optimizer
    built with `use_ema=True` (looked up through wrappers: `inner_optimizer` of a loss-scale
    optimizer, `optimizer` of kerasdl's Lookahead); `{}` for any other optimizer.

    Keras keeps the averages in `BaseOptimizer._model_variables_moving_average`, aligned
    with `_trainable_variables`, and offers them publicly only through
    `finalize_variable_values` (which overwrites the model) and `SwapEMAWeights` (which
    swaps them in place around evaluation). Checked against Keras 3.15.
    """
    for name in ("inner_optimizer", "optimizer"):
        optimizer = getattr(optimizer, name, optimizer)
    averages = getattr(optimizer, "_model_variables_moving_average", None)
    if not getattr(optimizer, "use_ema", False) or not averages:
        return {}
    return {
        id(variable): average
        for variable, average in zip(optimizer._trainable_variables, averages, strict=True)
    }


def in_symbolic_scope() -> bool:
    """Whether Keras is evaluating stand-in tensors to learn output shapes (its
    `compute_output_spec`, e.g. of the compiled loss before the first step).

    Reaches into `keras.src.backend.common.symbolic_scope.in_symbolic_scope`: Keras exports
    the `keras.SymbolicScope` context manager but not the test for being inside one.
    Checked with Keras 3.15.
    """
    return symbolic_scope.in_symbolic_scope()


def tensorflow_trainer_class() -> type:
    """`keras.src.backend.tensorflow.trainer.TensorFlowTrainer`, the base class of
    `keras.Model` under the TensorFlow backend, whose `test_step(self, data)` and
    `predict_step(self, data)` run one replica's step.

    Patching its steps changes them for every model; a `keras.Model` subclass would reach
    only models built from it, and Keras offers no hook that runs around a step. Checked
    with Keras 3.15.
    """
    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

    return TensorFlowTrainer


def fit_multi_worker_fix() -> None:
    """Makes `fit` work under MultiWorkerMirroredStrategy with several workers (idempotent).

    Replaces `TensorFlowTrainer._maybe_symbolic_build` and the module function
    `keras.src.backend.tensorflow.trainer.reduce_per_replica` (see the module docstring):
    both defects sit inside `fit`, past every public hook. Checked with Keras 3.15.
    """
    global _MULTI_WORKER_FIX_INSTALLED
    if _MULTI_WORKER_FIX_INSTALLED:
        return
    import tensorflow as tf
    from keras.src.backend.tensorflow import trainer as tf_trainer

    def maybe_symbolic_build(self, iterator=None, data_batch=None):
        if self._distribute_strategy is None:
            return
        strategy = self.distribute_strategy
        if iterator is not None:
            for _, _, it in iterator:
                data_batch = keras.tree.map_structure(
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

            return keras.tree.map_structure(mean, values)
        return original_reduce(values, strategy, reduction)

    tf_trainer.TensorFlowTrainer._maybe_symbolic_build = maybe_symbolic_build
    tf_trainer.reduce_per_replica = reduce_per_replica
    _MULTI_WORKER_FIX_INSTALLED = True

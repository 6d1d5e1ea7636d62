"""Distribution: the strategy by name, which process is the chief, and the two guards
that keep every example counted once when a batch does not reach every replica.

- `get_strategy(name)`: auto, one_device, mirrored, multi_worker (TF_CONFIG) or tpu;
- `is_chief(strategy)` and `worker_model_dir(strategy, model_dir)`: only the chief's files
  are a run's result; the other workers write beside them;
- `skip_empty_replica_batches()`: evaluation and prediction steps of replicas left
  without rows are skipped (installed by `get_strategy` for mirrored and multi-worker);
- `skip_short_training_batches(dataset, strategy)`: training batches too short to give
  every replica a row are dropped.
"""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from kerasdl.data.errors import InputError

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")


def get_strategy(name: str) -> tf.distribute.Strategy:
    """A `tf.distribute` strategy by name.

    auto: MirroredStrategy over the local GPUs when there are several, else the default
    (single-device) strategy. one_device: the first GPU, else the CPU. mirrored: all
    local GPUs (the CPU when there are none). multi_worker: MultiWorkerMirroredStrategy
    from the TF_CONFIG environment variable. tpu: the TPU found by TPUClusterResolver.
    Mirrored and multi-worker strategies evaluate and predict with
    `skip_empty_replica_batches()` installed.
    """
    if name == "multi_worker":  # must come before anything initialises the TF runtime
        if "TF_CONFIG" not in os.environ:
            raise InputError("--strategy", "multi_worker needs the TF_CONFIG environment variable")
        from kerasdl._keras_private import fit_multi_worker_fix

        fit_multi_worker_fix()
        skip_empty_replica_batches()
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        if len(gpus) < 2:
            return tf.distribute.get_strategy()
        name = "mirrored"
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if name == "mirrored":
        skip_empty_replica_batches()
        return tf.distribute.MirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise InputError(
        "--strategy", f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}"
    )


_SKIPS_EMPTY_REPLICA_BATCHES = False


def skip_empty_replica_batches() -> None:
    """Makes `evaluate` and `predict` count every example once when a replica gets no rows.

    A strategy splits each batch among its replicas, and the last batch of an evaluation
    set can be too short to reach them all: with 2 workers and batches of 2k, a last
    batch of at most k rows lands on worker 0 alone (1 row, the smallest remainder, always
    does). tf.distribute hands each replica left without rows an empty dummy batch whose
    unknown dimensions are 0 (`[0, 0]` token ids), on which many layers fail (a Conv1D
    over 0 steps, an LSTM). With this installed, such a replica skips the step: its metric
    totals stay as they are and it predicts no rows, so the reduced metrics and the
    gathered predictions are those of one process evaluating every example once. Steps of
    a single replica, and eager steps (`run_eagerly`), are unchanged. Training steps are
    not covered: every replica must take part in the gradient all-reduce.
    Patches Keras' TensorFlow trainer, once; `get_strategy` calls it.
    """
    global _SKIPS_EMPTY_REPLICA_BATCHES
    if _SKIPS_EMPTY_REPLICA_BATCHES:
        return
    from kerasdl._keras_private import tensorflow_trainer_class

    TensorFlowTrainer = tensorflow_trainer_class()

    test_step, predict_step = TensorFlowTrainer.test_step, TensorFlowTrainer.predict_step

    def has_rows(model, data) -> tf.Tensor | None:
        """A boolean tensor, or None where no replica can be short of rows."""
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1 or not model.built:
            return None
        if tf.executing_eagerly():  # run_eagerly: no graph branch to trace specs from
            return None
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        first = next((t for t in keras.tree.flatten(x) if t is not None), None)
        return None if first is None else tf.shape(first)[0] > 0

    def guarded_test_step(self, data):
        rows = has_rows(self, data)
        if rows is None:
            return test_step(self, data)
        return tf.cond(rows, lambda: test_step(self, data), self.get_metrics_result)

    def guarded_predict_step(self, data):
        rows = has_rows(self, data)
        if rows is None:
            return predict_step(self, data)
        traced = []  # tf.cond traces the true branch first; the empty one copies its specs

        def predict():
            traced.append(predict_step(self, data))
            return traced[0]

        def no_rows():
            def empty(y):
                inner = [d or 0 for d in y.shape[1:]] if y.shape.rank else []
                return tf.zeros([0, *inner], y.dtype)

            return keras.tree.map_structure(empty, traced[0])

        return tf.cond(rows, predict, no_rows)

    TensorFlowTrainer.test_step = guarded_test_step
    TensorFlowTrainer.predict_step = guarded_predict_step
    _SKIPS_EMPTY_REPLICA_BATCHES = True


def skip_short_training_batches(dataset: tf.data.Dataset, strategy) -> tf.data.Dataset:
    """`dataset` without the batches that have fewer rows than `strategy` has replicas.

    Replicas split every training batch, and a replica left with no rows fails in layers
    that cannot run on an empty share (Conv1D, LSTM); unlike an evaluation step, a training
    step cannot be skipped by one replica alone (every replica joins the gradient
    all-reduce). Length bucketing makes such batches (a bucket's last) rare; they are
    dropped. With one replica `dataset` is returned as is. Batches are `(features, labels)`.
    """
    replicas = strategy.num_replicas_in_sync
    if replicas == 1:
        return dataset
    return dataset.filter(lambda features, labels: tf.shape(labels)[0] >= replicas)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True unless this process is a non-chief worker of a multi-worker cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def worker_model_dir(strategy: tf.distribute.Strategy, model_dir: str) -> str:
    """`model_dir` for the chief; `{model_dir}/.worker-N` for the other workers.

    Every worker of a multi-worker run trains, evaluates and backs up (collective ops
    need all of them); only the chief's files are the run's result. Each worker keeps its
    own backup, so rerunning the same commands resumes every worker.
    """
    if is_chief(strategy):
        return model_dir
    return os.path.join(model_dir, f".worker-{strategy.cluster_resolver.task_id}")

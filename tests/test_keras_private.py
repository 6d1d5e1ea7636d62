"""kerasdl._keras_private: each private Keras thing it reaches still exists and still does
what kerasdl relies on. A failure here means Keras moved or changed it: fix the module (and
widen setup.py's Keras pin) before anything else."""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl import _keras_private as private


def test_tensor_attributes_on_tensors_with_and_without_python_attributes():
    # tf.Tensor takes attributes; a NumPy array does not (as JAX arrays), so Keras' table
    # keyed by tensor id holds its value.
    for tensor in (tf.constant([1.0, 2.0]), np.zeros(2)):
        assert private.get_tensor_attr(tensor, "_kerasdl_probe") is None
        private.set_tensor_attr(tensor, "_kerasdl_probe", ("state", 1))
        assert private.get_tensor_attr(tensor, "_kerasdl_probe") == ("state", 1)
        private.set_tensor_attr(tensor, "_kerasdl_probe", None)
        assert private.get_tensor_attr(tensor, "_kerasdl_probe") is None


def test_keras_mask_is_read_from_layers_and_honoured_by_losses():
    ids = np.array([[3, 1, 0], [2, 0, 0]])
    embedded = keras.layers.Embedding(5, 2, mask_zero=True)(ids)
    np.testing.assert_array_equal(private.get_keras_mask(embedded), ids != 0)

    class MaskedLoss(keras.losses.Loss):
        def call(self, y_true, y_pred):
            values = keras.ops.abs(y_true - y_pred)
            private.set_keras_mask(values, y_true > 0)
            return values

    y_true = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0]])
    y_pred = np.array([[0.0, 0.0, 9.0], [0.0, 9.0, 9.0]])
    # Masked positions add 0 and leave the mean: (1 + 2 + 3) / 3, not 42 / 6.
    np.testing.assert_allclose(MaskedLoss()(y_true, y_pred), 2.0)
    private.set_keras_mask(embedded, None)
    assert private.get_keras_mask(embedded) is None


def test_the_mask_of_a_model_output_reaches_the_loss_with_its_attributes_in_fit():
    """What the CRF relies on: the mask tensor a layer attaches to its output, with a value
    stored on it, is what the compiled loss finds on `y_pred` in a traced train step."""

    class Marked(keras.layers.Layer):
        def call(self, x):
            mask = keras.ops.greater(x[:, :, 0], 0.0)
            private.set_tensor_attr(mask, "_kerasdl_probe", x[:, :, 0])
            y = x * 1.0  # a fresh tensor, as a layer output is
            private.set_keras_mask(y, mask)
            return y

    found = []

    class ProbeLoss(keras.losses.Loss):
        def __call__(self, y_true, y_pred, sample_weight=None):
            mask = private.get_keras_mask(y_pred)
            probe = None if mask is None else private.get_tensor_attr(mask, "_kerasdl_probe")
            if not private.in_symbolic_scope():
                found.append(probe is not None)
            return keras.ops.mean(keras.ops.square(y_true - y_pred))

    inputs = keras.Input((4, 2))
    model = keras.Model(inputs, Marked()(keras.layers.Dense(2)(inputs)))
    model.compile("sgd", ProbeLoss())
    x = np.random.default_rng(0).normal(size=(8, 4, 2)).astype("float32")
    model.fit(x, x, batch_size=4, epochs=1, verbose=0)
    model.evaluate(x, x, batch_size=4, verbose=0)
    assert found and all(found)


def test_in_symbolic_scope_is_true_while_keras_builds_the_compiled_loss():
    assert not private.in_symbolic_scope()
    with keras.SymbolicScope():
        assert private.in_symbolic_scope()
    assert not private.in_symbolic_scope()

    scopes = []

    class ScopeLoss(keras.losses.Loss):
        def call(self, y_true, y_pred):
            scopes.append(private.in_symbolic_scope())
            return keras.ops.square(y_true - y_pred)

    # Under a distribution strategy Keras builds the compiled loss on stand-in tensors
    # (`compute_output_spec`) before the first step, where the CRF has no state to give.
    with tf.distribute.OneDeviceStrategy("/cpu:0").scope():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile("sgd", ScopeLoss())
    model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=1, verbose=0)
    assert scopes[0] and not scopes[-1]  # the shape-only build first, then real steps


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow trainer")
def test_tensorflow_trainer_class_has_the_steps_kerasdl_wraps():
    trainer = private.tensorflow_trainer_class()
    assert issubclass(keras.Model, trainer)
    for step in ("test_step", "predict_step"):
        assert list(inspect.signature(getattr(trainer, step)).parameters) == ["self", "data"]
    assert callable(trainer.get_metrics_result)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow trainer")
def test_multi_worker_fix_targets_exist_with_the_signatures_it_replaces():
    from keras.src.backend.tensorflow import trainer as tf_trainer

    build = inspect.signature(tf_trainer.TensorFlowTrainer._maybe_symbolic_build)
    assert list(build.parameters) == ["self", "iterator", "data_batch"]
    symbolic_build = inspect.signature(tf_trainer.TensorFlowTrainer._symbolic_build)
    assert "data_batch" in symbolic_build.parameters
    reduce = inspect.signature(tf_trainer.reduce_per_replica)
    assert list(reduce.parameters) == ["values", "strategy", "reduction"]
    # The trainer looks the function up in its module when it runs, so replacing the
    # module attribute reaches every step function.
    assert "reduce_per_replica(" in inspect.getsource(tf_trainer.TensorFlowTrainer)
    # The replacement reads the model's strategy as Keras' own does.
    assert "_distribute_strategy" in vars(keras.Sequential([keras.Input((1,))]))
    assert isinstance(tf_trainer.TensorFlowTrainer.distribute_strategy, property)


def test_moving_average_of_finds_the_averages_through_wrappers():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    from kerasdl import trainer

    for optimizer in (
        keras.optimizers.Adam(use_ema=True),
        keras.mixed_precision.LossScaleOptimizer(keras.optimizers.Adam(use_ema=True)),
        trainer.make_optimizer("lookahead_adam", 1e-3, ema=0.9),  # --optimizer, --ema
    ):
        optimizer.build(model.trainable_variables)
        averages = private.moving_average_of(optimizer)
        assert set(averages) == {id(v) for v in model.trainable_variables}
        for variable in model.trainable_variables:
            assert averages[id(variable)].shape == variable.shape
    plain = keras.optimizers.Adam()
    plain.build(model.trainable_variables)
    assert private.moving_average_of(plain) == {} == private.moving_average_of(None)

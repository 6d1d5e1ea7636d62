"""tfa.text.crf_wrapper.CRFModelWrapper: a model that puts tfa's CRF layer on a base model
and trains it on the CRF's negative log-likelihood."""

import keras
import tensorflow as tf
from keras import ops

from kerasdl.addons.layers.crf import CRF
from kerasdl.ops.crf import crf_log_likelihood


@keras.saving.register_keras_serializable(package="Addons")
class CRFModelWrapper(keras.Model):
    """`base_model` followed by `tfa.layers.CRF(units, ...)`, trained on the mean CRF
    negative log-likelihood of the gold tags (Lafferty et al. 2001), as tfa 0.23.

    `model(x)` (and `predict`) returns the Viterbi tags `[B, T]` int32;
    `model(x, return_crf_internal=True)` returns
    `((potentials, sequence_length, chain_kernel), decoded_sequence)`. `fit` and `evaluate`
    take `y` as gold tags `[B, T]` and an optional per-sequence `sample_weight` `[B]`;
    they report `loss` (the CRF loss plus the layers' own losses) and `crf_loss`, and
    compiled metrics see `(y, decoded_sequence)`. Compile with an optimizer and no loss.

    Args:
        base_model: a Keras model mapping the inputs to `[B, T, F]` features (its mask, if
            any, reaches the CRF).
        units: number of tags.
        chain_initializer, use_boundary, boundary_initializer, use_kernel, **kwargs: the CRF
            layer's arguments (`tfa.layers.CRF`).
    """

    def __init__(
        self,
        base_model: keras.Model,
        units: int,
        chain_initializer="orthogonal",
        use_boundary: bool = True,
        boundary_initializer="zeros",
        use_kernel: bool = True,
        **kwargs,
    ):
        super().__init__()
        self.crf_layer = CRF(
            units=units,
            chain_initializer=chain_initializer,
            use_boundary=use_boundary,
            boundary_initializer=boundary_initializer,
            use_kernel=use_kernel,
            **kwargs,
        )
        self.base_model = base_model
        self.crf_loss_tracker = keras.metrics.Mean(name="crf_loss")

    def unpack_training_data(self, data):
        """`(x, y, sample_weight)` from a batch of `fit`/`evaluate`; override for other
        layouts."""
        return keras.utils.unpack_x_y_sample_weight(data)

    def call(self, inputs, training=None, mask=None, return_crf_internal=False):
        features = self.base_model(inputs, training=training, mask=mask)
        decoded_sequence, potentials, sequence_length, kernel = self.crf_layer(features)
        if return_crf_internal:
            return (potentials, sequence_length, kernel), decoded_sequence
        return decoded_sequence

    def compute_crf_loss(self, potentials, sequence_length, kernel, y, sample_weight=None):
        """Mean over the batch of `-crf_log_likelihood`, each row times its weight."""
        # In float32 under mixed precision: the log-normaliser overflows float16.
        potentials = ops.cast(potentials, "float32")
        log_likelihood, _ = crf_log_likelihood(
            potentials, y, sequence_length, ops.cast(kernel, "float32")
        )
        loss = -log_likelihood
        if sample_weight is not None:
            loss = loss * ops.cast(ops.reshape(sample_weight, (-1,)), loss.dtype)
        return ops.mean(loss)

    def _loss_and_tags(self, x, y, sample_weight, training):
        (potentials, sequence_length, kernel), decoded = self(
            x, training=training, return_crf_internal=True
        )
        crf_loss = self.compute_crf_loss(potentials, sequence_length, kernel, y, sample_weight)
        loss = crf_loss
        if self.losses:
            loss = loss + ops.cast(ops.sum(ops.stack(self.losses)), loss.dtype)
        return loss, crf_loss, decoded

    def _results(self, x, y, decoded, loss, crf_loss):
        if self._loss_tracker is not None:
            self._loss_tracker.update_state(loss)
        self.crf_loss_tracker.update_state(crf_loss)
        return self.compute_metrics(x, y, decoded)

    def train_step(self, data):
        x, y, sample_weight = self.unpack_training_data(data)
        with tf.GradientTape() as tape:
            loss, crf_loss, decoded = self._loss_and_tags(x, y, sample_weight, True)
            scaled_loss = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled_loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables, strict=True))
        return self._results(x, y, decoded, loss, crf_loss)

    def test_step(self, data):
        x, y, sample_weight = self.unpack_training_data(data)
        loss, crf_loss, decoded = self._loss_and_tags(x, y, sample_weight, False)
        return self._results(x, y, decoded, loss, crf_loss)

    def get_config(self):
        return {
            "base_model": keras.saving.serialize_keras_object(self.base_model),
            **self.crf_layer.get_config(),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        base_model = keras.saving.deserialize_keras_object(config.pop("base_model"))
        return cls(base_model=base_model, **config)

"""Sharpness-aware minimisation as a model wrapper that trains with `model.fit`."""

import keras
from keras import ops

from kerasdl.optimizers.sparse import deduplicate


@keras.saving.register_keras_serializable(package="kerasdl")
class SAM(keras.Model):
    """Wraps a model so that `fit` takes sharpness-aware steps with any optimizer.

    Foret et al. 2021, "Sharpness-Aware Minimization for Efficiently Improving
    Generalization" (ICLR), Algorithm 1. Each training step

        g   = grad L(w)                                  (first forward/backward)
        e   = rho * g / ||g||_2          (adaptive: rho * w^2 g / ||w g||_2,
                                          Kwon et al. 2021, ASAM)
        g'  = grad L(w + e)                              (second forward/backward)
        w  <- optimizer step with g' from w

    so it costs two forward and two backward passes. The compiled optimizer
    (any Keras or kerasdl optimizer, also under `LossScaleOptimizer`) applies
    `g'`. The reported loss and metrics are those of the first pass, at `w`.
    Under `tf.distribute` each replica perturbs with its own batch's gradient
    (the paper's m-sharpness with m = per-replica batch, as in its reference
    implementation). BatchNorm moving statistics are updated by both passes.
    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) have their repeated rows
    summed first, so `||g||_2` is the gradient's norm and the optimizer gets `g'` summed.

    Only the TensorFlow backend is supported (it overrides `train_step`).

    Args:
        model: the model to train; `SAM(model)(x)` is `model(x)`.
        rho: radius of the neighbourhood (the paper's rho; 0.05 is its default).
        adaptive: scale the perturbation by `w^2` (ASAM); use larger `rho`.
        epsilon: added to the gradient norm.

    Example:

    ```python
    network = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model = kerasdl.optimizers.SAM(network, rho=0.05)
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")
    model.fit(np.random.rand(8, 4), np.random.rand(8, 1), epochs=1, verbose=0)
    ```
    """

    def __init__(
        self,
        model: keras.Model,
        rho: float = 0.05,
        adaptive: bool = False,
        epsilon: float = 1e-12,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.model = model
        self.rho = rho
        self.adaptive = adaptive
        self.epsilon = epsilon

    def call(self, inputs, training=None):
        return self.model(inputs, training=training)

    def _loss_and_gradients(self, x, y, sample_weight):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(
                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True
            )
            scaled_loss = self.optimizer.scale_loss(loss) if self.optimizer else loss
        gradients = tape.gradient(scaled_loss, self.trainable_variables)
        return y_pred, loss, [deduplicate(g) for g in gradients]

    def _perturbations(self, gradients, variables):
        """`e(w)` of Foret et al. eq. 2 (adaptive: Kwon et al. eq. 10)."""
        scaled = [
            None if g is None else (ops.abs(w) * g if self.adaptive else g)
            for g, w in zip(gradients, variables, strict=True)
        ]
        norm = ops.sqrt(
            ops.sum(
                ops.stack(
                    [ops.sum(ops.square(ops.cast(s, "float32"))) for s in scaled if s is not None]
                )
            )
        )
        # A non-finite gradient (loss scaling overflow) must not move the weights.
        scale = ops.where(ops.isfinite(norm), self.rho / (norm + self.epsilon), 0.0)
        perturbations = []
        for g, w in zip(gradients, variables, strict=True):
            if g is None:
                perturbations.append(None)
                continue
            e = ops.cast(g, "float32") * scale
            if self.adaptive:
                e = ops.square(ops.cast(w, "float32")) * e
            e = ops.where(ops.isfinite(e), e, ops.zeros_like(e))
            perturbations.append(ops.cast(e, w.dtype))
        return perturbations

    def train_step(self, data):
        if keras.backend.backend() != "tensorflow":
            raise NotImplementedError("SAM.train_step supports the TensorFlow backend only")
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        variables = self.trainable_variables
        y_pred, loss, gradients = self._loss_and_gradients(x, y, sample_weight)

        perturbations = self._perturbations(gradients, variables)
        for e, w in zip(perturbations, variables, strict=True):
            if e is not None:
                w.assign_add(e)
        _, _, gradients = self._loss_and_gradients(x, y, sample_weight)
        for e, w in zip(perturbations, variables, strict=True):
            if e is not None:
                w.assign_sub(e)
        self.optimizer.apply_gradients(zip(gradients, variables, strict=True))

        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "model": keras.saving.serialize_keras_object(self.model),
                "rho": self.rho,
                "adaptive": self.adaptive,
                "epsilon": self.epsilon,
            }
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        model = keras.saving.deserialize_keras_object(
            config.pop("model"), custom_objects=custom_objects
        )
        return cls(model, **config)

"""tfa.layers.normalizations: GroupNormalization is Keras 3's; InstanceNormalization is
Keras 3's GroupNormalization with one group per channel, as tfa's was;
FilterResponseNormalization is written for tfa's config and values."""

import keras
from keras import ops
from keras.layers import GroupNormalization

__all__ = ["FilterResponseNormalization", "GroupNormalization", "InstanceNormalization"]


@keras.saving.register_keras_serializable(package="Addons")
class InstanceNormalization(GroupNormalization):
    """Instance normalization (Ulyanov et al. 2016): `GroupNormalization` with
    `groups=-1` (one group per channel). A `groups` argument is ignored, as in tfa."""

    def __init__(self, **kwargs):
        kwargs["groups"] = -1
        super().__init__(**kwargs)


@keras.saving.register_keras_serializable(package="Addons")
class FilterResponseNormalization(keras.layers.Layer):
    """Filter response normalization (Singh & Krishnan 2020, eq. 1-3) of [N, H, W, C]
    inputs, per example and channel: `gamma * x / sqrt(nu2 + |epsilon|) + beta` with
    `nu2` the mean of `x^2` over height and width; `learned_epsilon=True` adds a trained
    `|eps|` (initially 1e-4) to `|epsilon|`. Pair it with `TLU`.

    Args:
        epsilon: added to `nu2`.
        axis: the spatial axes, which must be `[1, 2]` (tfa's only layout).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
            beta_constraint, gamma_constraint: for the [1, 1, 1, C] `beta` and `gamma`.
        learned_epsilon: learn an extra epsilon.
        learned_epsilon_constraint: constraint on it.
    """

    def __init__(
        self,
        epsilon: float = 1e-6,
        axis: list | None = None,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        learned_epsilon: bool = False,
        learned_epsilon_constraint=None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.epsilon = epsilon
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_regularizer = keras.regularizers.get(beta_regularizer)
        self.gamma_regularizer = keras.regularizers.get(gamma_regularizer)
        self.beta_constraint = keras.constraints.get(beta_constraint)
        self.gamma_constraint = keras.constraints.get(gamma_constraint)
        self.use_eps_learned = learned_epsilon
        self.supports_masking = True
        if self.use_eps_learned:
            self.eps_learned_initializer = keras.initializers.Constant(1e-4)
            self.eps_learned_constraint = keras.constraints.get(learned_epsilon_constraint)
            # Made here, as tfa did, so it comes first in `weights`.
            self.eps_learned = self.add_weight(
                shape=(1,),
                name="learned_epsilon",
                initializer=self.eps_learned_initializer,
                constraint=self.eps_learned_constraint,
            )
        else:
            self.eps_learned_initializer = None
            self.eps_learned_constraint = None
        axis = [1, 2] if axis is None else axis
        if not isinstance(axis, list):
            raise TypeError(f"Expected a list of values but got {type(axis)}.")
        if axis != [1, 2]:
            raise ValueError(
                "FilterResponseNormalization operates on per-channel basis. "
                "Axis values should be a list of spatial dimensions."
            )
        self.axis = axis

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError("Only 4-D tensors (CNNs) are supported as of now.")
        if input_shape[1] is None or input_shape[2] is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but "
                f"the layer received an input with shape {input_shape}."
            )
        self.input_spec = keras.layers.InputSpec(
            ndim=4, axes={axis: input_shape[axis] for axis in self.axis}
        )
        shape = (1, 1, 1, input_shape[-1])
        self.gamma = self.add_weight(
            shape=shape,
            name="gamma",
            initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer,
            constraint=self.gamma_constraint,
        )
        self.beta = self.add_weight(
            shape=shape,
            name="beta",
            initializer=self.beta_initializer,
            regularizer=self.beta_regularizer,
            constraint=self.beta_constraint,
        )

    def call(self, inputs):
        epsilon = ops.abs(ops.cast(self.epsilon, inputs.dtype))
        if self.use_eps_learned:
            epsilon = epsilon + ops.abs(ops.cast(self.eps_learned, inputs.dtype))
        nu2 = ops.mean(ops.square(inputs), axis=tuple(self.axis), keepdims=True)
        normalized = inputs * ops.rsqrt(nu2 + epsilon)
        return self.gamma * normalized + self.beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "learned_epsilon": self.use_eps_learned,
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_regularizer": keras.regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": keras.regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": keras.constraints.serialize(self.beta_constraint),
            "gamma_constraint": keras.constraints.serialize(self.gamma_constraint),
            "learned_epsilon_constraint": keras.constraints.serialize(self.eps_learned_constraint),
        }

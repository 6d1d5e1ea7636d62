"""tfa.layers.NoisyDense: a dense layer with learned Gaussian noise on its weights."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class NoisyDense(keras.layers.Layer):
    """Noisy dense layer (Fortunato et al. 2018, "Noisy Networks for Exploration", eq. 9):
    `activation(x @ (mu_kernel + sigma_kernel * eps_kernel) + mu_bias + sigma_bias *
    eps_bias)`, where `mu_*` and `sigma_*` are trained and `eps_*` is noise.

    As tfa: the noise is drawn when the layer is built and then only by `reset_noise()`
    (call it, e.g. before each step of an agent); `remove_noise()` zeros it. Factorised
    noise (section 3(b)) is `f(p) f(q)^T` with `f(x) = sign(x) sqrt(|x|)`, initialised
    `mu ~ U(-1/sqrt(p), 1/sqrt(p))`, `sigma = sigma / sqrt(p)` for `p` inputs;
    independent noise (3(a)) is N(0, 1) per weight, `mu ~ U(-sqrt(3/p), sqrt(3/p))`,
    `sigma = 0.017`. `kernel` and `bias` are the noisy weights. Draws come from Keras'
    RNG (a `SeedGenerator`), so seeded runs repeat but differ from tfa's.

    Args:
        units: output size.
        sigma: scale of the initial `sigma_*` with factorised noise.
        use_factorised: factorised (True) or independent noise.
        activation: activation (default none).
        use_bias: add the noisy bias (tfa failed to build without it; this builds).
        kernel_regularizer, bias_regularizer: applied to both `mu_*` and `sigma_*`.
        activity_regularizer: on the output.
        kernel_constraint, bias_constraint: applied to both `mu_*` and `sigma_*`.
    """

    def __init__(
        self,
        units: int,
        sigma: float = 0.5,
        use_factorised: bool = True,
        activation=None,
        use_bias: bool = True,
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.sigma = sigma
        self.use_factorised = use_factorised
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.seed_generator = keras.random.SeedGenerator()
        self.input_spec = keras.layers.InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        self.last_dim = int(input_shape[-1])
        if self.use_factorised:
            mu_init = 1.0 / self.last_dim**0.5
            sigma_init = self.sigma / self.last_dim**0.5
        else:
            mu_init = (3.0 / self.last_dim) ** 0.5
            sigma_init = 0.017
        sigma_init = keras.initializers.Constant(sigma_init)
        mu_init = keras.initializers.RandomUniform(-mu_init, mu_init)
        kernel_shape = (self.last_dim, self.units)

        def weight(name, shape, initializer, regularizer=None, constraint=None, trainable=True):
            return self.add_weight(
                name=name,
                shape=shape,
                initializer=initializer,
                regularizer=regularizer,
                constraint=constraint,
                trainable=trainable,
            )

        kernel = (self.kernel_regularizer, self.kernel_constraint)
        self.sigma_kernel = weight("sigma_kernel", kernel_shape, sigma_init, *kernel)
        self.mu_kernel = weight("mu_kernel", kernel_shape, mu_init, *kernel)
        self.eps_kernel = weight("eps_kernel", kernel_shape, "zeros", trainable=False)
        if self.use_bias:
            bias = (self.bias_regularizer, self.bias_constraint)
            self.sigma_bias = weight("sigma_bias", (self.units,), sigma_init, *bias)
            self.mu_bias = weight("mu_bias", (self.units,), mu_init, *bias)
            self.eps_bias = weight("eps_bias", (self.units,), "zeros", trainable=False)
        else:
            self.sigma_bias = self.mu_bias = self.eps_bias = None
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: self.last_dim})
        self.reset_noise()

    @property
    def kernel(self):
        return self.mu_kernel + self.sigma_kernel * self.eps_kernel

    @property
    def bias(self):
        if self.use_bias:
            return self.mu_bias + self.sigma_bias * self.eps_bias

    def _normal(self, shape):
        return keras.random.normal(shape, dtype=self.variable_dtype, seed=self.seed_generator)

    def reset_noise(self):
        """Draws new noise."""
        if self.use_factorised:

            def scaled(shape):
                x = self._normal(shape)
                return ops.sign(x) * ops.sqrt(ops.abs(x))

            in_eps, out_eps = scaled((self.last_dim, 1)), scaled((1, self.units))
            self.eps_kernel.assign(ops.matmul(in_eps, out_eps))
            bias_eps = out_eps[0]
        else:
            self.eps_kernel.assign(self._normal((self.last_dim, self.units)))
            bias_eps = self._normal((self.units,))
        if self.use_bias:
            self.eps_bias.assign(bias_eps)

    def remove_noise(self):
        """Sets the noise to zero (the layer is then `activation(x @ mu_kernel + mu_bias)`)."""
        self.eps_kernel.assign(ops.zeros_like(self.eps_kernel))
        if self.use_bias:
            self.eps_bias.assign(ops.zeros_like(self.eps_bias))

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        outputs = ops.matmul(inputs, ops.cast(self.kernel, self.compute_dtype))
        if self.use_bias:
            outputs = outputs + ops.cast(self.bias, self.compute_dtype)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "sigma": self.sigma,
            "use_factorised": self.use_factorised,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": keras.regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
        }

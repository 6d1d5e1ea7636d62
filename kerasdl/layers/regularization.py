"""Regularization layers: StochasticDepth, WeightNormalization and DropBlock2D."""

import keras
from keras import ops

__all__ = ["DropBlock2D", "StochasticDepth", "WeightNormalization"]


@keras.saving.register_keras_serializable(package="kerasdl")
class StochasticDepth(keras.layers.Layer):
    """Residual merge that drops the residual branch at random while training.

    Huang et al. 2016, "Deep Networks with Stochastic Depth" (ECCV), eq. 2
    and 5, with tfa 0.23's semantics: called on `[shortcut, residual]`, it
    returns in training `shortcut + b * residual` with one `b ~ Bernoulli(p)`
    for the whole batch (no rescaling), and at inference the expectation
    `shortcut + p * residual`. The paper's linear decay rule sets `p` per block
    (`p_l = 1 - l / L * (1 - p_L)`); pass each block its own value.

    Args:
        survival_probability: `p`, probability of keeping the residual branch.
        seed: int seed for the Bernoulli draws.

    Example:

    ```python
    inputs = keras.Input((8, 8, 16))
    residual = keras.layers.Conv2D(16, 3, padding="same")(inputs)
    outputs = kerasdl.layers.StochasticDepth(survival_probability=0.8)([inputs, residual])
    model = keras.Model(inputs, outputs)
    ```
    """

    def __init__(self, survival_probability: float = 0.5, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= survival_probability <= 1.0:
            raise ValueError(f"survival_probability must be in [0, 1], got {survival_probability}")
        self.survival_probability = float(survival_probability)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("StochasticDepth takes a list [shortcut, residual]")
        shortcut, residual = inputs
        if training:
            keep = keras.random.uniform((), seed=self.seed_generator) < self.survival_probability
            return shortcut + ops.cast(keep, residual.dtype) * residual
        return shortcut + ops.cast(self.survival_probability, residual.dtype) * residual

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update({"survival_probability": self.survival_probability, "seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package="kerasdl")
class WeightNormalization(keras.layers.Wrapper):
    """Reparameterises a layer's `kernel` as `w = g * v / ||v||`.

    Salimans & Kingma 2016, "Weight Normalization: A Simple Reparameterization
    to Accelerate Training of Deep Neural Networks" (NeurIPS), eq. 2. As in
    tfa 0.23: `v` is the wrapped layer's own `kernel` variable, the norm runs
    over every axis but the last (one `g` per output unit/filter), and the
    first call initialises `g` once (a saved `initialized` flag), either

    - `data_init=True` (paper sec. 3): from that first batch, so the
      pre-activations `t = x . v / ||v||` get zero mean and unit variance per
      unit: `g = 1 / std(t)`, `bias = -mean(t) / std(t)`; or
    - `data_init=False`: `g = ||v||`, so the layer starts as the wrapped one.

    Departure from tfa, following the paper: tfa measured the first-batch
    statistics with the *unnormalised* `v` (`x . v`) but then applied the
    normalised kernel, so its pre-activations were standardised only when
    `||v|| = 1`. Here they are standardised. Recurrent layers are not
    supported (the paper advises against data-dependent init there).
    `remove()` bakes `g * v / ||v||` into the wrapped layer and returns it.

    Args:
        layer: a layer with a `kernel` (Dense, Conv1D/2D/3D, ...).
        data_init: use the data-dependent initialisation.

    Example:

    ```python
    layer = kerasdl.layers.WeightNormalization(keras.layers.Dense(4))
    outputs = layer(np.random.rand(8, 3).astype("float32"))  # g, bias set from this batch
    dense = layer.remove()  # a plain Dense with the normalised kernel
    ```
    """

    def __init__(self, layer, data_init: bool = True, **kwargs):
        super().__init__(layer, **kwargs)
        self.data_init = data_init

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            raise ValueError(
                f"WeightNormalization needs a layer with a `kernel`; got {self.layer.name}"
            )
        self.kernel_norm_axes = list(range(len(kernel.shape) - 1))
        self.g = self.add_weight(
            name="g", shape=(kernel.shape[-1],), initializer="ones", dtype=kernel.dtype
        )
        self.initialized = self.add_weight(
            name="initialized", shape=(), initializer="zeros", dtype="bool", trainable=False
        )
        self.built = True

    def _direction(self):
        v = ops.convert_to_tensor(self.layer.kernel)
        norm = ops.sqrt(ops.sum(ops.square(v), axis=self.kernel_norm_axes, keepdims=True))
        return v / ops.maximum(norm, 1e-12)

    def _call_with_kernel(self, inputs, kernel, bias=None, linear=False):
        """The wrapped layer's output with `kernel` (and `bias`) substituted."""
        mapping = [(self.layer.kernel, kernel)]
        if bias is not None:
            mapping.append((self.layer.bias, bias))
        activation = getattr(self.layer, "activation", None)
        if linear and activation is not None:
            self.layer.activation = keras.activations.linear
        try:
            with keras.StatelessScope(state_mapping=mapping):
                return self.layer(inputs)
        finally:
            if linear and activation is not None:
                self.layer.activation = activation

    def _initialize(self, inputs):
        if self.data_init:
            has_bias = getattr(self.layer, "bias", None) is not None
            direction = self._direction()
            zero_bias = ops.zeros_like(self.layer.bias) if has_bias else None
            t = self._call_with_kernel(inputs, direction, zero_bias, linear=True)
            axes = list(range(len(t.shape) - 1))
            mean, variance = ops.moments(ops.cast(t, "float32"), axes)
            scale = 1.0 / ops.sqrt(variance + 1e-10)
            g = ops.cast(scale, self.g.dtype)
            if has_bias:
                self.layer.bias.assign(ops.cast(-mean * scale, self.layer.bias.dtype))
        else:
            v = ops.convert_to_tensor(self.layer.kernel)
            g = ops.sqrt(ops.sum(ops.square(v), axis=self.kernel_norm_axes))
        self.g.assign(g)
        self.initialized.assign(True)
        return g

    def call(self, inputs):
        g = ops.cond(
            ops.not_equal(ops.cast(self.initialized, "int32"), 0),
            lambda: ops.convert_to_tensor(self.g),
            lambda: self._initialize(inputs),
        )
        kernel = self._direction() * ops.cast(g, self.layer.kernel.dtype)
        return self._call_with_kernel(inputs, kernel)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def remove(self):
        """Writes `g * v / ||v||` into the wrapped layer's kernel and returns that layer
        (for inference or export without the wrapper), as tfa's `remove()`."""
        if not self.built:
            raise ValueError("WeightNormalization.remove() needs a built layer")
        self.layer.kernel.assign(self._direction() * ops.cast(self.g, self.layer.kernel.dtype))
        return self.layer

    def get_config(self):
        config = super().get_config()
        config.update({"data_init": self.data_init})
        return config


@keras.saving.register_keras_serializable(package="kerasdl")
class DropBlock2D(keras.layers.Layer):
    """Drops contiguous `block_size x block_size` regions of feature maps in training.

    Ghiasi, Lin & Le 2018, "DropBlock: A regularization method for
    convolutional networks" (NeurIPS), Algorithm 1. Block centres are sampled
    where a whole block fits, with rate
    `gamma = rate / block_size^2 * H W / ((H - block_size + 1)(W - block_size + 1))`
    (eq. 1), so about a fraction `rate` of units is dropped; blocks are shared
    across channels; kept units are rescaled by `count / count_kept`. Identity at
    inference.

    Args:
        rate: fraction of units to drop (the paper's `1 - keep_prob`).
        block_size: side of the square blocks (clipped to the feature map).
        seed: int seed.
        data_format: `"channels_last"` (default from Keras config) or `"channels_first"`.

    Example:

    ```python
    layer = kerasdl.layers.DropBlock2D(rate=0.1, block_size=3, seed=1)
    features = np.ones((2, 8, 8, 4), "float32")
    dropped = layer(features, training=True)  # 3x3 blocks zeroed, the rest scaled up
    assert np.allclose(layer(features), features)  # identity at inference
    ```
    """

    def __init__(self, rate: float, block_size: int = 7, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"rate must be in [0, 1), got {rate}")
        self.rate = float(rate)
        self.block_size = int(block_size)
        self.seed = seed
        self.data_format = data_format or keras.config.image_data_format()
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0.0:
            return inputs
        x = inputs if self.data_format == "channels_last" else ops.transpose(inputs, (0, 2, 3, 1))
        height, width = x.shape[1], x.shape[2]
        block = min(self.block_size, height, width)
        gamma = (
            self.rate / block**2 * (height * width) / ((height - block + 1) * (width - block + 1))
        )
        # Centres only where the whole block lies inside the map.
        rows = ops.arange(height)[:, None]
        cols = ops.arange(width)[None, :]
        half, rest = block // 2, (block - 1) // 2
        valid = (rows >= half) & (rows < height - rest) & (cols >= half) & (cols < width - rest)
        valid = ops.cast(valid, x.dtype)[None, :, :, None]
        noise = keras.random.uniform(
            (ops.shape(x)[0], height, width, 1), seed=self.seed_generator, dtype=x.dtype
        )
        centres = ops.cast(noise < gamma, x.dtype) * valid
        dropped = ops.max_pool(centres, pool_size=block, strides=1, padding="same")
        keep = 1.0 - dropped
        scale = ops.cast(ops.size(keep), x.dtype) / ops.maximum(ops.sum(keep), 1.0)
        out = x * keep * scale
        return out if self.data_format == "channels_last" else ops.transpose(out, (0, 3, 1, 2))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rate": self.rate,
                "block_size": self.block_size,
                "seed": self.seed,
                "data_format": self.data_format,
            }
        )
        return config

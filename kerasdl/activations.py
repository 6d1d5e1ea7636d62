"""Activations tfa users lost: lisht, snake and rrelu (functions and layers)."""

import keras
from keras import ops

__all__ = ["RReLU", "Snake", "lisht", "rrelu", "snake"]


@keras.saving.register_keras_serializable(package="kerasdl")
def lisht(x):
    """LiSHT, `x * tanh(x)`: a non-negative, symmetric, unbounded activation.

    Roy et al. 2019, "LiSHT: Non-Parametric Linearly Scaled Hyperbolic
    Tangent Activation Function for Neural Networks" (arXiv:1901.05894).

    Example:

    ```python
    y = kerasdl.activations.lisht(np.array([-2.0, 0.0, 2.0]))  # [1.93, 0., 1.93]
    layer = keras.layers.Dense(4, activation=kerasdl.activations.lisht)
    ```
    """
    x = ops.convert_to_tensor(x)
    return x * ops.tanh(x)


@keras.saving.register_keras_serializable(package="kerasdl")
def snake(x, frequency: float = 1.0):
    """Snake, `x + sin^2(frequency * x) / frequency`: periodic on top of identity.

    Ziyin, Hartwig & Ueda 2020, "Neural Networks Fail to Learn Periodic
    Functions and How to Fix It" (NeurIPS), eq. 3 (`a` = `frequency`).
    Computed as `x + (1 - cos(2 a x)) / (2 a)`, as tfa did.

    Example:

    ```python
    y = kerasdl.activations.snake(np.linspace(-3, 3, 5), frequency=2.0)
    ```
    """
    x = ops.convert_to_tensor(x)
    frequency = ops.cast(frequency, x.dtype)
    return x + (1.0 - ops.cos(2.0 * frequency * x)) / (2.0 * frequency)


@keras.saving.register_keras_serializable(package="kerasdl")
def rrelu(
    x,
    lower: float = 0.125,
    upper: float = 1.0 / 3.0,
    training: bool = False,
    seed=None,
):
    """Randomized leaky ReLU: `x` for `x >= 0`, else `a * x`.

    Xu et al. 2015, "Empirical Evaluation of Rectified Activations in
    Convolutional Network" (arXiv:1505.00853), eq. 4: in training `a` is drawn
    per element from U(lower, upper); at inference it is fixed at
    `(lower + upper) / 2`. Keras 3 has no global learning phase, so `training`
    defaults to False here; the `RReLU` layer passes the model's flag.
    `seed` is an int or a `keras.random.SeedGenerator`.

    Example:

    ```python
    x = np.array([-1.0, 2.0])
    y = kerasdl.activations.rrelu(x)  # [-0.229, 2.]: the mean slope at inference
    y_train = kerasdl.activations.rrelu(x, training=True, seed=1)  # a random slope
    ```
    """
    x = ops.convert_to_tensor(x)
    if training:
        slope = keras.random.uniform(
            ops.shape(x), minval=lower, maxval=upper, dtype=x.dtype, seed=seed
        )
    else:
        slope = ops.cast((lower + upper) / 2.0, x.dtype)
    return ops.where(x >= 0, x, slope * x)


@keras.saving.register_keras_serializable(package="kerasdl")
class Snake(keras.layers.Layer):
    """`snake` as a layer, with a fixed or trainable per-channel `frequency`.

    Args:
        frequency: initial `a` (> 0).
        trainable_frequency: learn one `a` per channel (last axis), as Ziyin
            et al. suggest; otherwise `a` is a constant.

    Example:

    ```python
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(16), kerasdl.layers.Snake(trainable_frequency=True)]
    )
    outputs = model(np.linspace(-1, 1, 4)[:, None])  # [4, 16]
    ```
    """

    def __init__(self, frequency: float = 1.0, trainable_frequency: bool = False, **kwargs):
        super().__init__(**kwargs)
        if frequency <= 0:
            raise ValueError(f"frequency must be > 0, got {frequency}")
        self.frequency = float(frequency)
        self.trainable_frequency = trainable_frequency

    def build(self, input_shape):
        if self.trainable_frequency:
            self.frequency_weight = self.add_weight(
                name="frequency",
                shape=(input_shape[-1],),
                initializer=keras.initializers.Constant(self.frequency),
            )

    def call(self, inputs):
        if self.trainable_frequency:
            return snake(inputs, self.frequency_weight)
        return snake(inputs, self.frequency)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {"frequency": self.frequency, "trainable_frequency": self.trainable_frequency}
        )
        return config


@keras.saving.register_keras_serializable(package="kerasdl")
class RReLU(keras.layers.Layer):
    """`rrelu` as a layer: random slopes when `training`, their mean otherwise.

    Args:
        lower: lower bound of the negative slope's uniform distribution.
        upper: upper bound.
        seed: int seed for the slopes (reproducible training).

    Example:

    ```python
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8), kerasdl.layers.RReLU(seed=1)]
    )
    outputs = model(np.random.rand(2, 4), training=True)  # random slopes; their mean otherwise
    ```
    """

    def __init__(self, lower: float = 0.125, upper: float = 1.0 / 3.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= lower <= upper:
            raise ValueError(f"need 0 <= lower <= upper, got {lower}, {upper}")
        self.lower = float(lower)
        self.upper = float(upper)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        return rrelu(inputs, self.lower, self.upper, training=training, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"lower": self.lower, "upper": self.upper, "seed": self.seed})
        return config

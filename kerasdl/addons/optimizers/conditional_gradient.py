"""tfa.optimizers.ConditionalGradient: Frank-Wolfe steps inside a norm ball."""

import keras
from keras import ops

from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows


def _top_singular_vector(matrix):
    """`u1 v1^T` of `matrix`'s largest singular value, for a tensor of rank 0, 1 or 2
    (lower ranks are read as a 1 x n row, as tfa did)."""
    shape = tuple(matrix.shape)
    if len(shape) > 2:
        raise ValueError(
            f"ConditionalGradient(ord='nuclear') takes variables of rank <= 2, got shape "
            f"{shape} (tfa failed on them too, in a reshape)"
        )
    as_matrix = ops.reshape(matrix, (1,) * (2 - len(shape)) + shape)
    dtype = keras.backend.standardize_dtype(as_matrix.dtype)
    if dtype in ("float16", "bfloat16"):  # TensorFlow's CPU SVD takes float32 and float64
        as_matrix = ops.cast(as_matrix, "float32")
    u, _, vh = ops.svd(as_matrix, full_matrices=False)
    return ops.cast(ops.reshape(ops.outer(u[:, 0], vh[0, :]), shape), dtype)


@keras.saving.register_keras_serializable(package="Addons")
class ConditionalGradient(DeduplicateRowsMixin, keras.optimizers.Optimizer):
    """Conditional gradient (Frank-Wolfe) with a Frobenius- or nuclear-norm constraint.

    Frank & Wolfe 1956, as Pokutta et al. 2018 ("Deep Neural Network Training with
    Frank-Wolfe", arXiv:1803.06453) use it and tfa 0.23 computed it: each step moves
    `var` towards the vertex `-lambda_ s` of the ball of radius `lambda_` that best
    opposes the gradient,

        fro:      s = g / (||g||_F + epsilon)
        nuclear:  s = u1 v1^T, the top singular pair of g (variables of rank <= 2)
        var = learning_rate var - (1 - learning_rate) lambda_ s

    so `learning_rate` is the weight kept on the current point (tfa's meaning, not a
    step size). A `LearningRateSchedule` works here (tfa's failed: it read the rate
    without the schedule); `lambda_` may be a callable of no arguments, called each
    step, and is saved in the config as its current value, as tfa did.

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) as in tfa: repeated rows
    are summed, `s` is computed from the rows present, and only those rows move.

    Args:
        learning_rate: float, schedule or callable (required, as in tfa).
        lambda_: radius of the constraint ball: a float or a callable.
        epsilon: added to the Frobenius norm; 0 means `keras.config.epsilon()`, as tfa.
        ord: `"fro"` or `"nuclear"`.
        name: optimizer name.
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).
    """

    def __init__(
        self,
        learning_rate,
        lambda_=0.01,
        epsilon: float = 1e-7,
        ord: str = "fro",
        name: str = "ConditionalGradient",
        **kwargs,
    ):
        supported_norms = ["fro", "nuclear"]
        if ord not in supported_norms:
            raise ValueError(
                f"'ord' must be a supported matrix norm in {supported_norms}, got '{ord}' instead"
            )
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.lambda_ = lambda_
        self.epsilon = epsilon or keras.config.epsilon()
        self.ord = ord

    def build(self, var_list):
        if self.built:
            return
        if self.ord == "nuclear":
            for variable in var_list:
                if len(variable.shape) > 2:
                    _top_singular_vector(variable)  # raises with the reason
        super().build(var_list)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        rows = GradientRows(gradient, variable)
        lr = ops.cast(learning_rate, dtype)
        lambda_ = ops.cast(self.lambda_() if callable(self.lambda_) else self.lambda_, dtype)
        g = rows.values
        if self.ord == "fro":
            s = g / (ops.sqrt(ops.sum(ops.square(g))) + ops.cast(self.epsilon, dtype))
        else:
            s = _top_singular_vector(g)
        rows.assign(self, variable, lr * rows.gather(variable) - (1.0 - lr) * lambda_ * s)

    def get_config(self):
        config = super().get_config()
        lambda_ = self.lambda_() if callable(self.lambda_) else self.lambda_
        config.update(
            {
                "lambda_": float(ops.convert_to_numpy(lambda_)),
                "epsilon": self.epsilon,
                "ord": self.ord,
            }
        )
        return config

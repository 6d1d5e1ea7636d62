"""SGDW with tensorflow-addons' weight decay: not scaled by the learning rate."""

import keras
from keras import ops

from kerasdl.optimizers.adamw_tfa import decay_like_tfa
from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows
from kerasdl.optimizers.weight_decay import ScheduledWeightDecayMixin


@keras.saving.register_keras_serializable(package="kerasdl")
class SGDWTFA(ScheduledWeightDecayMixin, DeduplicateRowsMixin, keras.optimizers.SGD):
    """SGD (with optional momentum) and decoupled weight decay as tfa 0.23's
    `SGDW` applied it.

    Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization" (ICLR).
    Each step first decays, then takes the ordinary (momentum) SGD step:

        var -= weight_decay * var          # tfa: NOT multiplied by learning_rate
        m = momentum m - lr g;  var += m   (Nesterov: var += momentum m - lr g)

    `keras.optimizers.SGD(weight_decay=...)` decays by `lr * weight_decay * var`.
    Use this class to reproduce a tfa run exactly.

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) are applied row-wise as in
    tfa: repeated rows are summed first, and only the rows present are decayed and have
    their momentum and value updated; absent rows stay put. (`keras.optimizers.SGD`
    decays every row's momentum and moves every row by it.) One difference: with
    `momentum=0`, tfa's SGDW skipped the decay on sparse gradients altogether (its SGD base
    bypasses the decay extension there); this class decays the rows present in that case too.

    Args:
        weight_decay: decay coefficient applied per step (tfa meaning): a float, a
            `keras.optimizers.schedules.LearningRateSchedule` (read at `iterations`,
            like the learning rate) or a callable of no arguments. First positional
            argument, as in tfa.
        learning_rate, momentum, nesterov: as `keras.optimizers.SGD`.
        **kwargs: base optimizer arguments.

    Example:

    ```python
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    wd_schedule = keras.optimizers.schedules.ExponentialDecay(1e-4, decay_steps=100, decay_rate=0.5)
    optimizer = kerasdl.optimizers.SGDWTFA(wd_schedule, learning_rate=schedule, momentum=0.9)
    variable = keras.Variable(np.ones((2, 2)))
    optimizer.apply_gradients([(np.full((2, 2), 0.5, "float32"), variable)])
    ```
    """

    def __init__(
        self,
        weight_decay,
        learning_rate=0.001,
        momentum: float = 0.0,
        nesterov: bool = False,
        name: str = "SGDWTFA",
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            momentum=momentum,
            nesterov=nesterov,
            weight_decay=weight_decay,
            name=name,
            **kwargs,
        )

    def update_step(self, gradient, variable, learning_rate):
        rows = GradientRows(gradient, variable)
        decay_like_tfa(self, variable, rows)
        lr = ops.cast(learning_rate, variable.dtype)
        if self.momentum == 0:
            rows.assign_sub(self, variable, lr * rows.values)
            return
        m = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.momentum, variable.dtype)
        m_rows = momentum * rows.gather(m) - lr * rows.values
        rows.assign(self, m, m_rows)
        step = momentum * m_rows - lr * rows.values if self.nesterov else m_rows
        rows.assign_add(self, variable, step)

"""tfa.optimizers.weight_decay_optimizers: decoupled weight decay with tfa's meaning.

Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization" (ICLR). tfa decayed
`var -= weight_decay * var` before each step, *not* scaled by the learning rate (Keras 3's
`weight_decay=` decays by `learning_rate * weight_decay * var`). `AdamW` and `SGDW` are
`kerasdl.optimizers.AdamWTFA` / `SGDWTFA` (golden-exact against tfa, including sparse
gradients and scheduled decay) with tfa's `exclude_from_weight_decay` and
`apply_gradients(..., decay_var_list=...)`; `extend_with_decoupled_weight_decay` adds the
same decay to any Keras optimizer class.
"""

import re

import keras

from kerasdl.optimizers.adamw_tfa import AdamWTFA, decay_like_tfa
from kerasdl.optimizers.sgdw_tfa import SGDWTFA
from kerasdl.optimizers.sparse import GradientRows
from kerasdl.optimizers.weight_decay import ScheduledWeightDecayMixin

__all__ = ["AdamW", "DecoupledWeightDecayExtension", "SGDW", "extend_with_decoupled_weight_decay"]


def _constant(hyperparameter):
    """tfa's optimizers took any hyperparameter as a callable of no arguments; Keras 3's
    take floats, so a callable is read once."""
    return float(hyperparameter()) if callable(hyperparameter) else hyperparameter


class _DecaySelection:
    """Which variables are decayed, as tfa chose them: those in the `decay_var_list` given
    to `apply_gradients` if any, else those whose path no `exclude_from_weight_decay`
    regex matches (`re.search`, as tfa matched variable names; Keras 3 paths read
    `"dense/kernel"` where tf.keras names read `"dense/kernel:0"`)."""

    def _set_exclusions(self, exclude_from_weight_decay):
        self._tfa_exclusions = list(exclude_from_weight_decay or [])
        self._decay_var_keys = None

    def _use_weight_decay(self, variable):
        if self._decay_var_keys is not None:
            return self._var_key(variable) in self._decay_var_keys
        path = getattr(variable, "path", variable.name)
        if any(re.search(pattern, path) for pattern in self._tfa_exclusions):
            return False
        return super()._use_weight_decay(variable)

    def apply_gradients(self, grads_and_vars, name=None, decay_var_list=None, **kwargs):
        """Applies `(gradient, variable)` pairs; `decay_var_list` (tfa) restricts the decay
        to those variables for this call and takes priority over
        `exclude_from_weight_decay`. `name` is accepted and ignored."""
        grads_and_vars = list(grads_and_vars)
        if decay_var_list:
            self._decay_var_keys = {self._var_key(v) for v in decay_var_list}
        try:
            return super().apply_gradients(grads_and_vars)
        finally:
            self._decay_var_keys = None

    def get_config(self):
        config = super().get_config()
        config["exclude_from_weight_decay"] = self._tfa_exclusions or None
        return config


@keras.saving.register_keras_serializable(package="Addons")
class AdamW(_DecaySelection, AdamWTFA):
    """Adam with tfa's decoupled weight decay (`var -= weight_decay * var`, then Adam).

    Args:
        weight_decay: a float, a `LearningRateSchedule` or a callable (tfa's meaning:
            not multiplied by the learning rate; schedule it with the learning rate).
        learning_rate, beta_1, beta_2, epsilon, amsgrad: as tfa / Keras Adam (a callable
            `beta_1`, `beta_2` or `epsilon` is read once, here: Keras 3 keeps them as floats).
        exclude_from_weight_decay: regexes of variable paths not to decay.
    """

    def __init__(
        self,
        weight_decay,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad: bool = False,
        name: str = "AdamW",
        exclude_from_weight_decay=None,
        **kwargs,
    ):
        super().__init__(
            weight_decay,
            learning_rate=learning_rate,
            beta_1=_constant(beta_1),
            beta_2=_constant(beta_2),
            epsilon=_constant(epsilon),
            amsgrad=amsgrad,
            name=name,
            **kwargs,
        )
        self._set_exclusions(exclude_from_weight_decay)


@keras.saving.register_keras_serializable(package="Addons")
class SGDW(_DecaySelection, SGDWTFA):
    """SGD (momentum, Nesterov) with tfa's decoupled weight decay.

    Args:
        weight_decay: tfa's meaning (see `AdamW`).
        learning_rate, momentum, nesterov: as tfa / Keras SGD (a callable `momentum` is
            read once, here).
        exclude_from_weight_decay: regexes of variable paths not to decay.
    """

    def __init__(
        self,
        weight_decay,
        learning_rate=0.001,
        momentum=0.0,
        nesterov: bool = False,
        name: str = "SGDW",
        exclude_from_weight_decay=None,
        **kwargs,
    ):
        super().__init__(
            weight_decay,
            learning_rate=learning_rate,
            momentum=_constant(momentum),
            nesterov=nesterov,
            name=name,
            **kwargs,
        )
        self._set_exclusions(exclude_from_weight_decay)


class DecoupledWeightDecayExtension(_DecaySelection, ScheduledWeightDecayMixin):
    """Mixin giving a Keras optimizer tfa's decoupled weight decay: each step first
    `var -= weight_decay * var` (dense gradients: the whole variable; `tf.IndexedSlices`:
    the rows present, as tfa), then the base optimizer's step. Keras' own
    `learning_rate`-scaled decay is switched off. Put it first among the bases, as tfa:
    `class MyAdamW(DecoupledWeightDecayExtension, keras.optimizers.Adam)`.

    Args:
        weight_decay: a float, a `LearningRateSchedule` (read at `iterations`) or a
            callable of no arguments.
        exclude_from_weight_decay: regexes of variable paths not to decay.
    """

    def __init__(self, weight_decay, exclude_from_weight_decay=None, **kwargs):
        wd = kwargs.pop("weight_decay", weight_decay)
        super().__init__(**kwargs)
        self.weight_decay = wd
        self._set_exclusions(exclude_from_weight_decay)

    def update_step(self, gradient, variable, learning_rate):
        # Rows repeated in a sparse gradient are decayed once (tfa summed them first).
        decay_like_tfa(self, variable, GradientRows(gradient, variable))
        return super().update_step(gradient, variable, learning_rate)


def extend_with_decoupled_weight_decay(base_optimizer):
    """Returns a subclass of the Keras optimizer class `base_optimizer` with tfa's decoupled
    weight decay: its constructor takes `weight_decay` first, then `base_optimizer`'s
    arguments (and `exclude_from_weight_decay`), e.g.
    `extend_with_decoupled_weight_decay(keras.optimizers.Adam)(weight_decay=1e-4,
    learning_rate=1e-3)` decays as tfa's `AdamW`."""

    class OptimizerWithDecoupledWeightDecay(DecoupledWeightDecayExtension, base_optimizer):
        def __init__(self, weight_decay, *args, **kwargs):
            super().__init__(weight_decay, *args, **kwargs)

    OptimizerWithDecoupledWeightDecay.__name__ = (
        f"{base_optimizer.__name__}WithDecoupledWeightDecay"
    )
    OptimizerWithDecoupledWeightDecay.__qualname__ = OptimizerWithDecoupledWeightDecay.__name__
    return OptimizerWithDecoupledWeightDecay

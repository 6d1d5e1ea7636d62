"""tfa.optimizers.COCOB: learning-rate-free optimisation by coin betting."""

import keras
from keras import ops

from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows


@keras.saving.register_keras_serializable(package="Addons")
class COCOB(DeduplicateRowsMixin, keras.optimizers.Optimizer):
    """COCOB-Backprop: each coordinate bets its accumulated "reward" on the sign of the
    negative gradient sum, so there is no learning rate to tune.

    Orabona & Tommasi 2017, "Training Deep Networks without Learning Rates Through Coin
    Betting" (NeurIPS), Algorithm 2, as tfa 0.23 computed it. Per coordinate, with slots
    `L` (starting at 1e-8), `G`, `Gabs`, `reward` and the last bet `w~` (all 0):

        L = max(L, |g|),  G += g,  Gabs += |g|,  reward = max(reward - g w~, 0)
        w_new = -G / (L max(Gabs + L, alpha L)) (reward + L)
        var += w_new - w~,  w~ = w_new

    `learning_rate` is the base optimizer's argument and is not used.

    Sparse gradients (`tf.IndexedSlices`): tfa raised NotImplementedError. Here repeated
    rows are summed and only the rows present are updated, which is exactly the step of
    the same gradient made dense (a zero gradient leaves a coordinate and its slots as
    they were).

    Args:
        alpha: bounds the bets of the first steps (the paper's 100); must be >= 1.
        use_locking: accepted for tfa's signature; ignored (as it was in tfa).
        name: optimizer name.
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).
    """

    def __init__(
        self,
        alpha: float = 100,
        use_locking: bool = False,
        name: str = "COCOB",
        **kwargs,
    ):
        if alpha < 1:
            raise ValueError("`alpha` must be greater than Zero")
        kwargs.setdefault("learning_rate", 1.0)
        super().__init__(name=name, **kwargs)
        self.alpha = alpha

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        initializer = keras.initializers.Constant(1e-8)
        self._lrs = self.add_optimizer_variables(var_list, "lr", initializer=initializer)
        self._grad_norm_sums = self.add_optimizer_variables(var_list, "grad_norm_sum")
        self._gradients_sums = self.add_optimizer_variables(var_list, "gradients_sum")
        self._tilde_ws = self.add_optimizer_variables(var_list, "tilde_w")
        self._rewards = self.add_optimizer_variables(var_list, "reward")

    def update_step(self, gradient, variable, learning_rate):
        rows = GradientRows(gradient, variable)
        index = self._get_variable_index(variable)
        g = rows.values
        lr = ops.maximum(rows.gather(self._lrs[index]), ops.abs(g))
        gradients_sum = rows.gather(self._gradients_sums[index]) + g
        grad_norm_sum = rows.gather(self._grad_norm_sums[index]) + ops.abs(g)
        tilde_w = rows.gather(self._tilde_ws[index])
        reward = ops.maximum(rows.gather(self._rewards[index]) - g * tilde_w, 0.0)
        grad_max = ops.maximum(grad_norm_sum + lr, ops.cast(self.alpha, g.dtype) * lr)
        new_w = -gradients_sum / (lr * grad_max) * (reward + lr)
        rows.assign(self, variable, rows.gather(variable) - tilde_w + new_w)
        for slots, value in [
            (self._lrs, lr),
            (self._gradients_sums, gradients_sum),
            (self._grad_norm_sums, grad_norm_sum),
            (self._tilde_ws, new_w),
            (self._rewards, reward),
        ]:
            rows.assign(self, slots[index], value)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config

"""`OptimizerWrapper`: the plumbing of optimizers that wrap another one (Lookahead, SWA)."""

import keras

from kerasdl.optimizers.sparse import deduplicate


class OptimizerWrapper(keras.optimizers.Optimizer):
    """Base of optimizers that let an inner optimizer take each step, then do more.

    The inner optimizer keeps its own clipping, weight decay, EMA and learning-rate
    schedule; `learning_rate` and `iterations` read through to it, and its variables are
    part of this optimizer's. Sparse gradients reach it with repeated rows summed (Keras's
    own optimizers do not sum them). After each inner step `after_step(variables)` runs;
    `update_each(update, pairs)` applies `update(variable, state)` to each pair, in place
    on every replica's copy under `tf.distribute`. `get_config` must include `"name"`
    and `"optimizer"` (see `inner_config`).

    Args:
        optimizer: the inner optimizer: an instance, or a name/config that
            `kerasdl.optimizers.get` resolves.
        name: optimizer name.

    Example:

    ```python
    from kerasdl.optimizers.wrapper import OptimizerWrapper


    class ClipAfterStep(OptimizerWrapper):
        # Keeps every weight in [-1, 1] after each step of the inner optimizer.
        def __init__(self, optimizer, name="ClipAfterStep", **kwargs):
            super().__init__(optimizer, name=name, **kwargs)

        def after_step(self, trainable_variables):
            for variable in trainable_variables:
                variable.assign(keras.ops.clip(variable, -1.0, 1.0))

        def get_config(self):
            return self.inner_config()


    variable = keras.Variable(np.full((2,), 0.95))
    ClipAfterStep(keras.optimizers.SGD(1.0)).apply_gradients([(-np.ones(2, "float32"), variable)])
    ```
    """

    def __init__(self, optimizer, name: str, **kwargs):
        from kerasdl.optimizers import get

        if kwargs:
            raise ValueError(
                f"{type(self).__name__} does not take {sorted(kwargs)}: set clipping, weight "
                "decay, EMA and the like on the inner optimizer"
            )
        if optimizer is None:
            raise TypeError("optimizer is not an optimizer")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = get(optimizer)

    def build(self, var_list):
        if self.built:
            return
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    @property
    def optimizer(self):
        """The inner optimizer (the constructor's argument name, as in tfa)."""
        return self.inner_optimizer

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    def apply(self, grads, trainable_variables=None):
        if not self.built:
            with keras.name_scope(self.name):
                self.build(list(trainable_variables))
        if trainable_variables is None:
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        self.inner_optimizer.apply([deduplicate(g) for g in grads], trainable_variables)
        self.after_step(trainable_variables)

    def after_step(self, trainable_variables):
        """What the wrapper does after each inner step."""
        raise NotImplementedError

    def update_each(self, update, pairs):
        """`update(variable, state)` for each `(variable, state)` pair; under tf.distribute
        on each replica's copy in place, as the Keras optimizers update their slots."""
        if keras.backend.backend() != "tensorflow":
            for variable, state in pairs:
                update(variable, state)
            return

        import tensorflow as tf

        def unwrap(variable):
            return variable.value if isinstance(variable, keras.Variable) else variable

        def update_all(distribution, pairs):
            for variable, state in pairs:
                distribution.extended.update(variable, update, args=(state,), group=False)

        pairs = [(unwrap(variable), unwrap(state)) for variable, state in pairs]
        tf.__internal__.distribute.interim.maybe_merge_call(
            update_all, self._distribution_strategy, pairs
        )

    def scale_loss(self, loss):
        # An inner LossScaleOptimizer unscales the gradients, so it scales the loss.
        return self.inner_optimizer.scale_loss(loss)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def inner_config(self) -> dict:
        """The config entries every wrapper has: its name and the inner optimizer."""
        return {
            "name": self.name,
            "optimizer": keras.saving.serialize_keras_object(self.inner_optimizer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        optimizer = keras.saving.deserialize_keras_object(
            config.pop("optimizer"), custom_objects=custom_objects
        )
        return cls(optimizer, **config)

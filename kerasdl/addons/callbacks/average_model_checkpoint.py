"""tfa.callbacks.AverageModelCheckpoint: checkpoints of the averaged weights."""

import keras

from kerasdl.addons.optimizers.averaged_weights import AveragedWeights


def _averages_weights(optimizer) -> bool:
    return isinstance(optimizer, AveragedWeights) or bool(getattr(optimizer, "use_ema", False))


class AverageModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """`keras.callbacks.ModelCheckpoint` that saves the averaged weights of the optimizer.

    The optimizer (inside a `LossScaleOptimizer` or another wrapper with an
    `inner_optimizer`) must keep an average of the weights: tfa's `MovingAverage` or `SWA`
    (`kerasdl.addons.optimizers`), or any Keras 3 optimizer made with `use_ema=True`
    (its exponential moving average, which Keras otherwise writes into the model only
    when `fit` ends). At each save the averages are assigned to the model's trainable
    weights before `ModelCheckpoint` saves it.

    Args:
        update_weights: keep the averaged weights in the model after saving (training
            goes on from them), as tfa; False restores the trained weights.
        filepath, monitor, verbose, save_best_only, save_weights_only, mode, save_freq,
            **kwargs: as `keras.callbacks.ModelCheckpoint` (Keras 3: `filepath` ends in
            `.keras`, or `.weights.h5` with `save_weights_only=True`).

    Raises:
        TypeError: at the start of `fit` when the optimizer keeps no average.
    """

    def __init__(
        self,
        update_weights: bool,
        filepath: str,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        **kwargs,
    ):
        self.update_weights = update_weights
        super().__init__(
            filepath,
            monitor,
            verbose,
            save_best_only,
            save_weights_only,
            mode,
            save_freq,
            **kwargs,
        )

    def _get_optimizer(self):
        optimizer = self.model.optimizer
        while not _averages_weights(optimizer) and hasattr(optimizer, "inner_optimizer"):
            optimizer = optimizer.inner_optimizer
        return optimizer

    def set_model(self, model):
        super().set_model(model)
        if not _averages_weights(self._get_optimizer()):
            raise TypeError(
                "AverageModelCheckpoint is only used when training"
                "with MovingAverage or StochasticAverage (kerasdl: MovingAverage, SWA, "
                "or an optimizer with use_ema=True)"
            )

    def _assign_averages(self):
        optimizer = self._get_optimizer()
        variables = self.model.trainable_variables
        if isinstance(optimizer, AveragedWeights):
            optimizer.assign_average_vars(variables)
        else:  # Keras' own EMA, as `fit` writes it at the end of training
            optimizer.finalize_variable_values(variables)

    def _save_model(self, epoch, batch, logs):
        if self.update_weights:
            self._assign_averages()
            return super()._save_model(epoch, batch, logs)
        trained = self.model.get_weights()
        self._assign_averages()
        try:
            return super()._save_model(epoch, batch, logs)
        finally:
            self.model.set_weights(trained)

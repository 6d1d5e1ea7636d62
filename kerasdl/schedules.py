"""Learning-rate schedules the trainers use beyond Keras' own: warm-up and one-cycle.

Both are `keras.optimizers.schedules.LearningRateSchedule`s written in `keras.ops`,
registered, and round-trip through `get_config`.
"""

from __future__ import annotations

import math

import keras
from keras import ops

__all__ = ["OneCycle", "Warmup"]


@keras.saving.register_keras_serializable(package="kerasdl")
class Warmup(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to `after(warmup_steps)` over `warmup_steps`, then `after`.

    Goyal et al. 2017 ("Accurate, Large Minibatch SGD") use 5 epochs of linear warm-up
    before the step schedule. `after` sees the global step, so it is not shifted.

    Args:
        after: a schedule or a constant learning rate.
        warmup_steps: length of the ramp, in optimizer steps.

    Example:

    ```python
    steps = keras.optimizers.schedules.PiecewiseConstantDecay([1000, 2000], [0.1, 0.01, 0.001])
    schedule = kerasdl.schedules.Warmup(steps, warmup_steps=100)
    optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9)
    rates = [float(schedule(step)) for step in (0, 99, 1500)]  # [0.001, 0.1, 0.01]
    ```
    """

    def __init__(self, after, warmup_steps: int):
        self.after = after
        self.warmup_steps = int(warmup_steps)

    def _after(self, step):
        if isinstance(self.after, keras.optimizers.schedules.LearningRateSchedule):
            return self.after(step)
        return ops.convert_to_tensor(self.after, "float32")

    def __call__(self, step):
        step = ops.cast(step, "float32")
        target = self._after(ops.maximum(step, float(self.warmup_steps)))
        ramp = target * (step + 1.0) / float(max(1, self.warmup_steps))
        return ops.where(step < self.warmup_steps, ramp, self._after(step))

    def get_config(self):
        after = self.after
        if isinstance(after, keras.optimizers.schedules.LearningRateSchedule):
            after = keras.optimizers.schedules.serialize(after)
        return {"after": after, "warmup_steps": self.warmup_steps}

    @classmethod
    def from_config(cls, config):
        after = config["after"]
        if isinstance(after, dict):
            after = keras.optimizers.schedules.deserialize(after)
        return cls(after, config["warmup_steps"])


@keras.saving.register_keras_serializable(package="kerasdl")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """The one-cycle policy of Smith & Topin 2019 ("Super-Convergence").

    Rises from `max_learning_rate / div_factor` to `max_learning_rate` over the first
    `pct_start` of `total_steps` (cosine-shaped, as fast.ai and PyTorch's OneCycleLR), then
    anneals to `max_learning_rate / (div_factor * final_div_factor)` by `total_steps`.

    Example:

    ```python
    schedule = kerasdl.schedules.OneCycle(max_learning_rate=0.1, total_steps=1000)
    optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9)
    rates = [float(schedule(step)) for step in (0, 300, 1000)]  # [0.004, 0.1, 4e-7]
    ```
    """

    def __init__(
        self,
        max_learning_rate: float,
        total_steps: int,
        pct_start: float = 0.3,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
    ):
        self.max_learning_rate = float(max_learning_rate)
        self.total_steps = int(total_steps)
        self.pct_start = float(pct_start)
        self.div_factor = float(div_factor)
        self.final_div_factor = float(final_div_factor)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        peak = self.max_learning_rate
        start = peak / self.div_factor
        end = start / self.final_div_factor
        rise_steps = max(1.0, self.pct_start * self.total_steps)
        fall_steps = max(1.0, self.total_steps - rise_steps)

        def cosine(low, high, fraction):  # high at fraction 0 -> low at fraction 1
            return low + (high - low) * 0.5 * (1.0 + ops.cos(math.pi * fraction))

        rising = cosine(peak, start, ops.clip(step / rise_steps, 0.0, 1.0))
        falling = cosine(end, peak, ops.clip((step - rise_steps) / fall_steps, 0.0, 1.0))
        return ops.where(step < rise_steps, rising, falling)

    def get_config(self):
        return {
            "max_learning_rate": self.max_learning_rate,
            "total_steps": self.total_steps,
            "pct_start": self.pct_start,
            "div_factor": self.div_factor,
            "final_div_factor": self.final_div_factor,
        }

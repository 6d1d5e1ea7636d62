"""Learning-rate schedules beyond Keras' own: warm-up, one-cycle and cyclical.

All are `keras.optimizers.schedules.LearningRateSchedule`s written in `keras.ops`,
registered, and round-trip through `get_config`. The cyclical ones (Smith 2017) take
tensorflow-addons 0.23's names and arguments (`kerasdl.addons.optimizers` has them too).
"""

from __future__ import annotations

import math

import keras
from keras import ops

__all__ = [
    "CyclicalLearningRate",
    "ExponentialCyclicalLearningRate",
    "OneCycle",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
    "Warmup",
]


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


@keras.saving.register_keras_serializable(package="kerasdl")
class CyclicalLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate that cycles between two bounds (Smith 2017, "Cyclical Learning
    Rates for Training Neural Networks", WACV), with tfa 0.23's arguments and values.

    With `cycle = floor(1 + step / (2 step_size))` and
    `x = |step / step_size - 2 cycle + 1|` (1 at a cycle's ends, 0 at its middle),

        lr = initial + (maximal - initial) max(0, 1 - x) scale_fn(mode_step)

    where `mode_step` is `cycle` (`scale_mode="cycle"`) or the step itself
    (`"iterations"`; tfa passed the raw step there, which failed for an integer step
    tensor and a float `gamma`: here it is the step as a float). Keras optimizers call
    the schedule with `iterations`, 0 at the first step, which starts at `initial`.

    Args:
        initial_learning_rate: the rate at the start and end of each cycle.
        maximal_learning_rate: the rate in the middle of a cycle (before `scale_fn`).
        step_size: steps from a cycle's start to its middle (half a cycle).
        scale_fn: function of `mode_step` scaling the amplitude; serialized as Keras
            serializes functions (register it with
            `keras.saving.register_keras_serializable` to save it by name).
        scale_mode: `"cycle"` or `"iterations"`.
        name: name of the schedule.

    Example:

    ```python
    schedule = kerasdl.schedules.CyclicalLearningRate(
        1e-4, 1e-2, step_size=2000, scale_fn=lambda cycle: 0.5 ** (cycle - 1)
    )
    optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9)
    rates = [float(schedule(step)) for step in (0, 2000, 4000, 6000)]  # 1e-4 1e-2 1e-4 5.05e-3
    ```
    """

    def __init__(
        self,
        initial_learning_rate,
        maximal_learning_rate,
        step_size,
        scale_fn,
        scale_mode: str = "cycle",
        name: str = "CyclicalLearningRate",
    ):
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.initial_learning_rate = initial_learning_rate
        self.maximal_learning_rate = maximal_learning_rate
        self.step_size = step_size
        self.scale_fn = scale_fn
        self.scale_mode = scale_mode
        self.name = name

    def __call__(self, step):
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        maximal = ops.cast(self.maximal_learning_rate, dtype)
        step_size = ops.cast(self.step_size, dtype)
        step = ops.cast(step, dtype)
        cycle = ops.floor(1.0 + step / (2.0 * step_size))
        x = ops.abs(step / step_size - 2.0 * cycle + 1.0)
        mode_step = cycle if self.scale_mode == "cycle" else step
        scale = ops.cast(self.scale_fn(mode_step), dtype)
        return initial + (maximal - initial) * ops.maximum(0.0, 1.0 - x) * scale

    def _config(self):
        def plain(value):  # a scalar tensor or NumPy number as a Python float
            return value if isinstance(value, int | float) else float(ops.convert_to_numpy(value))

        return {
            "initial_learning_rate": plain(self.initial_learning_rate),
            "maximal_learning_rate": plain(self.maximal_learning_rate),
            "step_size": plain(self.step_size),
            "scale_mode": self.scale_mode,
            "name": self.name,
        }

    def get_config(self):
        return {**self._config(), "scale_fn": keras.saving.serialize_keras_object(self.scale_fn)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("scale_fn"), dict):
            config["scale_fn"] = keras.saving.deserialize_keras_object(
                config["scale_fn"], custom_objects=custom_objects
            )
        return cls(**config)


@keras.saving.register_keras_serializable(package="kerasdl")
class TriangularCyclicalLearningRate(CyclicalLearningRate):
    """`CyclicalLearningRate` with a constant amplitude (Smith's "triangular" policy).

    Args:
        initial_learning_rate, maximal_learning_rate, step_size, scale_mode, name:
            as `CyclicalLearningRate` (`scale_fn` is 1).

    Example:

    ```python
    schedule = kerasdl.schedules.TriangularCyclicalLearningRate(1e-4, 1e-2, step_size=2000)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    ```
    """

    def __init__(
        self,
        initial_learning_rate,
        maximal_learning_rate,
        step_size,
        scale_mode: str = "cycle",
        name: str = "TriangularCyclicalLearningRate",
    ):
        super().__init__(
            initial_learning_rate,
            maximal_learning_rate,
            step_size,
            scale_fn=self._scale,
            scale_mode=scale_mode,
            name=name,
        )

    def _scale(self, mode_step):
        return 1.0

    def get_config(self):
        return self._config()


@keras.saving.register_keras_serializable(package="kerasdl")
class Triangular2CyclicalLearningRate(CyclicalLearningRate):
    """`CyclicalLearningRate` whose amplitude halves each cycle (Smith's "triangular2"):
    `scale_fn(x) = 1 / 2^(x - 1)`.

    Args:
        initial_learning_rate, maximal_learning_rate, step_size, scale_mode, name:
            as `CyclicalLearningRate`.
    """

    def __init__(
        self,
        initial_learning_rate,
        maximal_learning_rate,
        step_size,
        scale_mode: str = "cycle",
        name: str = "Triangular2CyclicalLearningRate",
    ):
        super().__init__(
            initial_learning_rate,
            maximal_learning_rate,
            step_size,
            scale_fn=self._scale,
            scale_mode=scale_mode,
            name=name,
        )

    def _scale(self, mode_step):
        return 1.0 / ops.power(2.0, mode_step - 1.0)

    def get_config(self):
        return self._config()


@keras.saving.register_keras_serializable(package="kerasdl")
class ExponentialCyclicalLearningRate(CyclicalLearningRate):
    """`CyclicalLearningRate` whose amplitude decays as `gamma^x` (Smith's "exp_range"),
    by default per step (`scale_mode="iterations"`).

    Args:
        initial_learning_rate, maximal_learning_rate, step_size, scale_mode, name:
            as `CyclicalLearningRate`.
        gamma: decay factor of the amplitude.
    """

    def __init__(
        self,
        initial_learning_rate,
        maximal_learning_rate,
        step_size,
        scale_mode: str = "iterations",
        gamma: float = 1.0,
        name: str = "ExponentialCyclicalLearningRate",
    ):
        self.gamma = gamma
        super().__init__(
            initial_learning_rate,
            maximal_learning_rate,
            step_size,
            scale_fn=self._scale,
            scale_mode=scale_mode,
            name=name,
        )

    def _scale(self, mode_step):
        return ops.power(ops.cast(self.gamma, mode_step.dtype), mode_step)

    def get_config(self):
        gamma = self.gamma
        gamma = gamma if isinstance(gamma, int | float) else float(ops.convert_to_numpy(gamma))
        return {**self._config(), "gamma": gamma}

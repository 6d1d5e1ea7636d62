"""tfa.optimizers' cyclical learning-rate schedules: kerasdl's (tfa 0.23's arguments and
values), `keras.optimizers.schedules.LearningRateSchedule`s."""

from kerasdl.schedules import (
    CyclicalLearningRate,
    ExponentialCyclicalLearningRate,
    Triangular2CyclicalLearningRate,
    TriangularCyclicalLearningRate,
)

__all__ = [
    "CyclicalLearningRate",
    "ExponentialCyclicalLearningRate",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
]

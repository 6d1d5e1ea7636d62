"""Learning-rate schedules: warm-up, one-cycle and the trainer's schedules by name."""

import keras
import numpy as np
import pytest

from kerasdl import schedules, trainer


def test_warmup_ramps_linearly_to_the_schedule_after_it():
    after = keras.optimizers.schedules.CosineDecay(0.1, 100)
    warm = schedules.Warmup(after, warmup_steps=10)
    top = 0.1 * 0.5 * (1 + np.cos(np.pi * 10 / 100))  # after(10), where the ramp ends
    for step in (0, 4, 9):
        assert float(warm(step)) == pytest.approx(top * (step + 1) / 10)
    for step in (10, 50, 99):
        expected = 0.1 * 0.5 * (1 + np.cos(np.pi * step / 100))
        assert float(warm(step)) == pytest.approx(expected, abs=1e-7)


def test_one_cycle_and_warmup_round_trip():
    one_cycle = schedules.OneCycle(0.1, total_steps=100)
    assert float(one_cycle(0)) == pytest.approx(0.1 / 25)
    assert float(one_cycle(30)) == pytest.approx(0.1)
    assert float(one_cycle(100)) == pytest.approx(0.1 / 25 / 1e4)
    warm = schedules.Warmup(keras.optimizers.schedules.CosineDecay(0.1, 100), warmup_steps=10)
    for schedule in (one_cycle, warm):
        restored = type(schedule).from_config(schedule.get_config())
        assert float(restored(42)) == pytest.approx(float(schedule(42)))


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("cosine", {0: 0.1, 50: 0.05, 100: 0.0}),
        ("step", {50: 0.1, 51: 0.01, 75: 0.01, 76: 0.001}),  # x0.1 after 50 % and 75 %
        ("one_cycle", {0: 0.1 / 25, 30: 0.1, 100: 0.1 / 25 / 1e4}),
        # 0.01 -> 0.1 in 2 epochs (20 steps) and back; the next cycle peaks at 0.055.
        ("cyclical", {0: 0.01, 10: 0.055, 20: 0.1, 40: 0.01, 60: 0.055, 80: 0.01}),
    ],
)
def test_learning_rate_schedules_by_name(name, values):
    schedule = trainer.learning_rate_schedule(name, 0.1, steps_per_epoch=10, epochs=10)
    for step, expected in values.items():
        assert float(schedule(step)) == pytest.approx(expected, abs=1e-7)


def test_constant_schedule_and_warmup_by_epochs():
    assert trainer.learning_rate_schedule("constant", 0.1, 10, 10) == 0.1
    warm = trainer.learning_rate_schedule("step", 0.1, 10, 10, warmup_epochs=1)
    assert isinstance(warm, schedules.Warmup) and warm.warmup_steps == 10
    assert float(warm(0)) == pytest.approx(0.01) and float(warm(9)) == pytest.approx(0.1)

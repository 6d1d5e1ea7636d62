"""The optimizer and schedule cases that tfa 0.23 writes goldens for
(`make_addons_optimizer_goldens.py`, with `tensorflow_addons.optimizers`) and that
`tests/test_addons_optimizers_more.py` checks (with `kerasdl.addons.optimizers`), written
once: each function takes the `optimizers` namespace to build them from. Plain Python, so
that both interpreters (TensorFlow 2.15 with tfa; Keras 3 with kerasdl) import it."""

VECTOR_CASES = ("conditional_gradient", "conditional_gradient_nuclear", "cocob", "lazy_adam")


def inverse_step(x):
    """The cyclical schedules' `scale_fn` in two cases."""
    return 1.0 / (1.0 + 0.5 * x)


def schedules(opt, scale_fn=inverse_step) -> dict:
    """Name -> a function making the schedule from `opt` (a module of tfa's optimizers)."""
    return {
        "triangular": lambda: opt.TriangularCyclicalLearningRate(1e-4, 1e-2, step_size=4),
        "triangular_iterations": lambda: opt.TriangularCyclicalLearningRate(
            1e-4, 1e-2, step_size=4, scale_mode="iterations"
        ),
        "triangular2": lambda: opt.Triangular2CyclicalLearningRate(1e-4, 1e-2, step_size=4),
        "triangular2_iterations": lambda: opt.Triangular2CyclicalLearningRate(
            1e-4, 1e-2, step_size=2.5, scale_mode="iterations"
        ),
        "exponential": lambda: opt.ExponentialCyclicalLearningRate(
            1e-3, 1e-1, step_size=3, gamma=0.9
        ),
        "exponential_cycle": lambda: opt.ExponentialCyclicalLearningRate(
            1e-3, 1e-1, step_size=5, scale_mode="cycle", gamma=0.5
        ),
        "exponential_default_gamma": lambda: opt.ExponentialCyclicalLearningRate(
            1e-3, 1e-1, step_size=5
        ),
        "cyclical_cycle": lambda: opt.CyclicalLearningRate(
            0.1, 0.5, step_size=3, scale_fn=scale_fn
        ),
        "cyclical_iterations": lambda: opt.CyclicalLearningRate(
            0.5, 0.1, step_size=4.5, scale_fn=scale_fn, scale_mode="iterations"
        ),
    }


def optimizers(opt, exponential, steps: int) -> dict:
    """Name -> a function making the optimizer; `exponential(initial)` is an exponential
    decay schedule of that framework, `steps` the trajectories' length."""
    return {
        "lazy_adam": lambda: opt.LazyAdam(learning_rate=0.05),
        "lazy_adam_cyclical": lambda: opt.LazyAdam(
            learning_rate=opt.Triangular2CyclicalLearningRate(0.01, 0.1, step_size=3),
            beta_1=0.8,
            epsilon=1e-3,
        ),
        "adabelief": lambda: opt.AdaBelief(learning_rate=0.05),
        "adabelief_wd_warmup_amsgrad": lambda: opt.AdaBelief(
            learning_rate=0.05,
            weight_decay=0.01,
            amsgrad=True,
            total_steps=steps,
            warmup_proportion=0.2,
            min_lr=1e-3,
        ),
        "adabelief_no_rectify_schedules": lambda: opt.AdaBelief(
            learning_rate=exponential(0.05), weight_decay=exponential(0.02), rectify=False
        ),
        "adabelief_low_threshold": lambda: opt.AdaBelief(
            learning_rate=0.02, beta_2=0.9, epsilon=1e-10, sma_threshold=4.5
        ),
        "proximal_adagrad": lambda: opt.ProximalAdagrad(learning_rate=0.1),
        "proximal_adagrad_l1_l2": lambda: opt.ProximalAdagrad(
            learning_rate=0.1,
            initial_accumulator_value=0.5,
            l1_regularization_strength=0.05,
            l2_regularization_strength=0.1,
        ),
        "proximal_adagrad_l2": lambda: opt.ProximalAdagrad(
            learning_rate=0.1, l2_regularization_strength=0.2
        ),
        "cocob": lambda: opt.COCOB(),
        "cocob_alpha": lambda: opt.COCOB(alpha=10.0),
        "conditional_gradient": lambda: opt.ConditionalGradient(learning_rate=0.9, lambda_=0.1),
        "conditional_gradient_nuclear": lambda: opt.ConditionalGradient(
            learning_rate=0.9, lambda_=0.1, ord="nuclear"
        ),
        # (tfa's ConditionalGradient fails with a schedule: it reads the learning rate with
        # `_get_hyper`, not `_decayed_lr`. A callable works, read each step.)
        "conditional_gradient_callable": lambda: opt.ConditionalGradient(
            learning_rate=lambda: 0.8, lambda_=lambda: 0.2, epsilon=1e-5
        ),
    }

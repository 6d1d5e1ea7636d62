"""tfa.metrics.f_scores: Keras 3's F-scores with tfa's `num_classes` argument."""

import keras


@keras.saving.register_keras_serializable(package="Addons")
class FBetaScore(keras.metrics.FBetaScore):
    """F-beta score (van Rijsbergen 1979) over one-hot / multi-label `[B, num_classes]`
    targets, `keras.metrics.FBetaScore` with tfa's signature: `num_classes` comes first
    (Keras reads it from the data, so it is kept for the config only); `average` is None
    (per class), "micro", "macro" or "weighted"; `threshold` None takes each row's argmax."""

    def __init__(
        self,
        num_classes: int,
        average=None,
        beta: float = 1.0,
        threshold=None,
        name: str = "fbeta_score",
        dtype=None,
        **kwargs,
    ):
        super().__init__(average=average, beta=beta, threshold=threshold, name=name, dtype=dtype)
        self.num_classes = num_classes

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="Addons")
class F1Score(FBetaScore):
    """`FBetaScore` with `beta=1` (tfa's signature: `num_classes, average, threshold`)."""

    def __init__(
        self, num_classes: int, average=None, threshold=None, name: str = "f1_score", dtype=None
    ):
        super().__init__(
            num_classes, average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype
        )

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config

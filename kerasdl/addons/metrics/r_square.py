"""tfa.metrics.RSquare: Keras 3's `R2Score` with tfa's argument names."""

import keras

_AGGREGATION = {"raw_values": None, "variance_weighted": "variance_weighted_average"}


@keras.saving.register_keras_serializable(package="Addons")
class RSquare(keras.metrics.R2Score):
    """Coefficient of determination; `multioutput` is tfa's "uniform_average",
    "variance_weighted" or "raw_values" (Keras' `class_aggregation` "uniform_average",
    "variance_weighted_average" or None); `num_regressors` gives the adjusted R^2. tfa's
    deprecated `y_shape` is accepted and ignored."""

    def __init__(
        self,
        name: str = "r_square",
        dtype=None,
        multioutput: str = "uniform_average",
        num_regressors: int = 0,
        **kwargs,
    ):
        kwargs.pop("y_shape", None)
        super().__init__(
            class_aggregation=_AGGREGATION.get(multioutput, multioutput),
            num_regressors=num_regressors,
            name=name,
            dtype=dtype,
        )
        self.multioutput = multioutput

    def get_config(self):
        config = super().get_config()
        del config["class_aggregation"]
        config["multioutput"] = self.multioutput
        return config

"""tfa.metrics.RSquare: Keras 3's `R2Score` with tfa's argument names."""

import keras


@keras.saving.register_keras_serializable(package="Addons")
class RSquare(keras.metrics.R2Score):
    """Coefficient of determination; `multioutput` is Keras' `class_aggregation`
    ("uniform_average", "variance_weighted_average" or "raw_values"), `num_regressors`
    gives the adjusted R^2. tfa's deprecated `y_shape` is accepted and ignored."""

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
            class_aggregation=multioutput, num_regressors=num_regressors, name=name, dtype=dtype
        )
        self.multioutput = multioutput

    def get_config(self):
        config = super().get_config()
        config["multioutput"] = config.pop("class_aggregation")
        return config

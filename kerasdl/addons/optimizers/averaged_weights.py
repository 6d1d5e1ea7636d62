"""`AveragedWeights`: what tfa's weight-averaging optimizers (MovingAverage, SWA) share."""

import warnings


class AveragedWeights:
    """Mixin for an optimizer that keeps `self._averages`, one average per trained variable
    (in the order of `_get_variable_index`): `assign_average_vars` as tfa's
    `AveragedOptimizerWrapper` had it."""

    def assign_average_vars(self, var_list):
        """Assigns each variable of `var_list` its average; variables the optimizer does
        not train (BatchNormalization statistics, ...) are skipped with a warning, as tfa."""
        for variable in var_list:
            try:
                average = self._averages[self._get_variable_index(variable)]
            except (AttributeError, KeyError, IndexError) as error:
                warnings.warn(
                    f"Unable to assign average slot to {variable.path}: {error!r}", stacklevel=2
                )
                continue
            variable.assign(average)

"""tfa.optimizers.MultiOptimizer: optimizers paired with layers, on Keras' MultiOptimizer."""

import keras


@keras.saving.register_keras_serializable(package="Addons")
class MultiOptimizer(keras.optimizers.MultiOptimizer):
    """Discriminative layer training: each optimizer updates only its layers' weights.

    Howard & Ruder 2018, "Universal Language Model Fine-tuning for Text
    Classification" (ACL). As tfa 0.23: `optimizers_and_layers` pairs an optimizer with a
    layer, a model or a list of layers (nested layers included); each optimizer steps the
    variables of its pairs, so a variable in two pairs takes both steps and one in none
    is left untouched. Variables are matched by path (tfa: by name), which is what the
    config stores, so the layers must be built first; nested models whose layers share
    names cannot be told apart. Keras' `MultiOptimizer` instead
    maps each variable to exactly one optimizer.

    Args:
        optimizers_and_layers: list of `(optimizer, layer or list of layers)`.
        optimizer_specs: the config form, `[{"optimizer": ..., "weights": [paths]}]`;
            leave None outside `from_config`.
        name: optimizer name.
    """

    def __init__(
        self,
        optimizers_and_layers=None,
        optimizer_specs=None,
        name: str = "MultiOptimizer",
        **kwargs,
    ):
        super().__init__(self._first_optimizer, name=name, **kwargs)
        if optimizer_specs is None and optimizers_and_layers is not None:
            optimizer_specs = [
                self.create_optimizer_spec(optimizer, layers)
                for optimizer, layers in optimizers_and_layers
            ]
        elif optimizer_specs is not None:
            optimizer_specs = [self.maybe_initialize_optimizer_spec(s) for s in optimizer_specs]
        else:
            raise RuntimeError("Must specify one of `optimizers_and_layers` or `optimizer_specs`.")
        self.optimizer_specs = optimizer_specs
        for spec in optimizer_specs:
            if spec["optimizer"] not in self._inner_optimizers:
                self._inner_optimizers.append(spec["optimizer"])

    def _first_optimizer(self, variable):
        for spec in self.optimizer_specs:
            if self._names(spec, variable):
                return spec["optimizer"]
        return None

    @staticmethod
    def _names(spec, variable) -> bool:
        """Whether `spec` names `variable`. Keras prefixes a path with the model's name
        only in some builds ("sequential/dense/kernel" or "dense/kernel"), so a path
        matches whole or as a suffix at a "/"."""
        path = variable.path
        return any(
            path == name or path.endswith("/" + name) or name.endswith("/" + path)
            for name in spec["weights"]
        )

    def _pairs(self, spec, grads, variables):
        return [(g, v) for g, v in zip(grads, variables, strict=True) if self._names(spec, v)]

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        for spec in self.optimizer_specs:
            variables = [v for _, v in self._pairs(spec, var_list, var_list)]
            if variables and not spec["optimizer"].built:
                spec["optimizer"].build(variables)
        keras.optimizers.Optimizer.build(self, var_list)

    def apply(self, grads, trainable_variables=None):
        if trainable_variables is None:
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            with keras.name_scope(self.name):
                self.build(trainable_variables)
        for spec in self.optimizer_specs:
            pairs = self._pairs(spec, grads, trainable_variables)
            if pairs:
                spec["optimizer"].apply([g for g, _ in pairs], [v for _, v in pairs])
        self._iterations.assign_add(1)

    def finalize_variable_values(self, var_list):
        for spec in self.optimizer_specs:
            variables = [v for _, v in self._pairs(spec, var_list, var_list)]
            if variables:
                spec["optimizer"].finalize_variable_values(variables)

    @classmethod
    def create_optimizer_spec(cls, optimizer, layers_or_model):
        """`{"optimizer": optimizer, "weights": [variable paths]}` for a layer, model or
        list of layers."""
        if isinstance(layers_or_model, list | tuple):
            weights = [v.path for layer in layers_or_model for v in layer.weights]
        else:
            weights = [v.path for v in layers_or_model.weights]
        return {"optimizer": optimizer, "weights": weights}

    @classmethod
    def maybe_initialize_optimizer_spec(cls, optimizer_spec):
        """Deserializes the spec's optimizer if it is a config."""
        spec = dict(optimizer_spec)
        if isinstance(spec["optimizer"], dict):
            spec["optimizer"] = keras.optimizers.deserialize(spec["optimizer"])
        return spec

    def get_config(self):
        specs = [
            {
                "optimizer": keras.optimizers.serialize(spec["optimizer"]),
                "weights": list(spec["weights"]),
            }
            for spec in self.optimizer_specs
        ]
        return {"name": self.name, "optimizer_specs": specs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

"""tfa.rnn under Keras 3: none of tfa's RNN cells is provided yet (see BUILD_NOTES'
migration table); the module exists so tfa's layout imports."""

__all__: list[str] = []

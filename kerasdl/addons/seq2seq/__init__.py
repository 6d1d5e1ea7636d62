"""tfa.seq2seq under Keras 3: not provided yet (see BUILD_NOTES' migration table); the
module exists so tfa's layout imports."""

__all__: list[str] = []

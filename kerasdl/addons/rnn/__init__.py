"""tfa.rnn under Keras 3: tfa 0.23's recurrent cells with tfa's arguments, weights (in
tfa's order) and values, written in `keras.ops` for `keras.layers.RNN` and registered
under "Addons"."""

from kerasdl.addons.rnn.esn_cell import ESNCell
from kerasdl.addons.rnn.layer_norm_lstm_cell import LayerNormLSTMCell
from kerasdl.addons.rnn.layer_norm_simple_rnn_cell import LayerNormSimpleRNNCell
from kerasdl.addons.rnn.nas_cell import NASCell
from kerasdl.addons.rnn.peephole_lstm_cell import PeepholeLSTMCell

__all__ = [
    "ESNCell",
    "LayerNormLSTMCell",
    "LayerNormSimpleRNNCell",
    "NASCell",
    "PeepholeLSTMCell",
]

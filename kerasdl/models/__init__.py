"""Model builders: each returns an uncompiled `keras.Model`."""

from kerasdl.models.mobilenet import mobilenet
from kerasdl.models.resnet import resnet
from kerasdl.models.row_rnn import row_rnn
from kerasdl.models.simple_cnn import simple_cnn

"""Model builders: each returns an uncompiled `keras.Model`."""

from kerasdl.models.bilstm_crf import bilstm_crf, bilstm_softmax
from kerasdl.models.mean_embedding import mean_embedding
from kerasdl.models.mobilenet import mobilenet
from kerasdl.models.resnet import resnet
from kerasdl.models.rnn_attention import attention_model, rnn_attention
from kerasdl.models.row_rnn import row_rnn
from kerasdl.models.simple_cnn import simple_cnn
from kerasdl.models.textcnn import textcnn
from kerasdl.models.transformer import transformer

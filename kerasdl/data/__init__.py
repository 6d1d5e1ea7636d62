"""Input pipelines: image augmentation, text and CoNLL readers, built-in sources."""

from kerasdl.data import errors  # noqa: F401
from kerasdl.data import image  # noqa: F401
from kerasdl.data import sources  # noqa: F401
from kerasdl.data import tagging  # noqa: F401
from kerasdl.data import text  # noqa: F401
from kerasdl.data.errors import InputError  # noqa: F401

"""Ready-made trainers: `python -m applications.<task>`.

TensorFlow's C++ runtime writes start-up notices (oneDNN, CUDA, CPU features) straight
to file descriptor 2 before its logging is configured, so no environment variable
silences them. A trainer promises one clear stderr line on bad input, so the first
import of TensorFlow runs with fd 2 sent to a temporary file, which is replayed only
if the import fails. Set KERASDL_TF_STARTUP_LOGS=1 to see the notices.
"""

import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _import_tensorflow_quietly() -> None:
    if "tensorflow" in sys.modules or os.environ.get("KERASDL_TF_STARTUP_LOGS") == "1":
        return
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow

            tensorflow.config.list_physical_devices()  # device probing logs too
        except BaseException:
            os.dup2(saved_fd, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)


_import_tensorflow_quietly()

"""Runs a tfa golden script again with no-op CUDA fat-binary registration preloaded.

tfa 0.23's wheel built its custom kernels (image ops, seq2seq's gather_tree, the text
ops, ...) with CUDA: loading them needs CUDA's fat-binary registration functions, so on
a machine without a CUDA runtime they fail ("undefined symbol:
__cudaUnregisterFatBinary"). `reexec_with_cuda_stub()` compiles those three functions as
no-ops (a C compiler is needed), preloads them and runs the calling script again, so the
kernels' CPU code gives the values. Call it before importing TensorFlow.
"""

import os
import pathlib
import subprocess
import sys
import tempfile

_STUB = """
static void *handle[1];
void **__cudaRegisterFatBinary(void *fat_cubin) { return handle; }
void __cudaRegisterFatBinaryEnd(void **h) {}
void __cudaUnregisterFatBinary(void **h) {}
"""


def reexec_with_cuda_stub() -> None:
    """Returns at once in the re-executed process; otherwise never returns."""
    if "KERASDL_CUDA_STUB" in os.environ:
        return
    source = pathlib.Path(tempfile.mkdtemp(), "stub.c")
    source.write_text(_STUB)
    library = str(source.with_suffix(".so"))
    subprocess.run(["cc", "-shared", "-fPIC", "-o", library, str(source)], check=True)
    env = dict(os.environ, KERASDL_CUDA_STUB=library, LD_PRELOAD=library)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

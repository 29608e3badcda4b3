"""The Python analysis rank of examples/python_peer.cc (the last rank).

Plain mpi4py.util.pkl5: each field arrives as a NumPy float32 array.
"""
import sys

from mpi4py import MPI
from mpi4py.util import pkl5

comm = pkl5.Intracomm(MPI.COMM_WORLD)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
for source in range(comm.Get_size() - 1):
    for step in range(steps):
        field = comm.recv(source=source, tag=step)  # numpy.ndarray, float32
        assert field.dtype.name == "float32", field.dtype
        comm.send({"step": step, "mean": float(field.mean()),
                   "max": float(field.max())}, dest=source, tag=step)
    assert comm.recv(source=source, tag=steps) == "done"
print(f"python_peer.py: analysed {steps} fields from each of "
      f"{comm.Get_size() - 1} C++ ranks", flush=True)

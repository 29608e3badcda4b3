"""The Python side of //python:interop_test: mpi4py.util.pkl5, unchanged.

Ranks of the lower half of MPI_COMM_WORLD run this; each pairs with the
C++ rank `rank + size // 2` (python/interop_test.cc), which receives every
case below as its C++ type and sends it back, in every send and receive
mode of both sides. Any mismatch raises, which fails the job.

    peer.py [ELEMENTS]   ELEMENTS: int32s per rank in the documented
                         examples (default 2**20; 2**30 sends 4 GiB)
"""
import sys

import numpy as np
from mpi4py import MPI
from mpi4py.util import pkl5


def cases():
    """(value sent, value the C++ echo must equal), in the C++ order."""
    particle = {"name": "e", "position": np.array([1.0, 2.0, 3.0]),
                "charge": -1}
    yield None, None
    yield True, True
    yield -5, -5
    yield 2**64 - 1, 2**64 - 1
    yield 1.5, 1.5
    yield 1 + 2j, 1 + 2j
    yield "héllo", "héllo"
    yield b"\x00ab", b"\x00ab"
    yield ["a", "bc"], ["a", "bc"]
    yield (1, "a", 2.5), (1, "a", 2.5)
    yield {"a": 1, "b": 2}, {"a": 1, "b": 2}
    yield {1, 2, 3}, {1, 2, 3}
    yield np.arange(10.0), np.arange(10.0)
    yield (np.arange(100000, dtype=np.float32),) * 2  # out of band
    yield (np.arange(12, dtype=np.int32).reshape(3, 4),) * 2
    yield (np.ones((300, 300)),) * 2  # 2-d, out of band
    yield (np.array([True, False, True]),) * 2
    yield particle, particle
    yield np.float64(2.5), 2.5
    yield [np.arange(3.0), np.arange(3.0)], np.array([np.arange(3.0)] * 2)
    yield {"k": [1.0, 2.0]}, {"k": np.array([1.0, 2.0])}


def same(a, b):
    """Equal, of the same type, arrays of the same dtype and shape."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and \
            np.array_equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


def check(got, want, what):
    if not same(got, want):
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def main():
    comm = pkl5.Intracomm(MPI.COMM_WORLD)
    rank, size = comm.Get_rank(), comm.Get_size()
    peer = rank + size // 2
    sends = [comm.send, comm.ssend,
             lambda o, d, tag: comm.isend(o, d, tag).wait(),
             lambda o, d, tag: comm.issend(o, d, tag).wait()]
    recvs = [lambda s, tag: comm.recv(None, s, tag),
             lambda s, tag: comm.mprobe(s, tag).recv(),
             lambda s, tag: comm.mprobe(s, tag).irecv().wait(),
             lambda s, tag: comm.sendrecv(None, MPI.PROC_NULL, 0, None, s,
                                          tag)]
    for i, (value, echo) in enumerate(cases()):
        sends[i % 4](value, peer, tag=i)
        check(recvs[(i + 1) % 4](peer, i), echo, f"case {i}")

    # What C++ must reject, each followed by an object that must arrive.
    comm.send(range(3), peer, tag=100)
    comm.send(42, peer, tag=101)
    comm.send(np.arange(5.0), peer, tag=102)  # C++ wants float32
    comm.send(43, peer, tag=103)
    comm.send(np.arange(100000.0), peer, tag=104)  # out of band, wrong dtype
    comm.send(44, peer, tag=105)
    comm.send(2**70, peer, tag=106)
    comm.send(45, peer, tag=107)

    # bcast, from a Python root and from a C++ root.
    big = {"name": "b", "position": np.arange(50000.0), "charge": 3}
    got = comm.bcast(big if rank == 0 else None, root=0)
    check(got, big, "bcast from Python")
    want = {"name": "cpp", "position": np.arange(40000.0), "charge": 7}
    check(comm.bcast(None, root=size // 2), want, "bcast from C++")
    comm.barrier()

    # mpi4py's two documented pkl5 examples, in a ring through both sides.
    elements = int(sys.argv[1]) if len(sys.argv) > 1 else 2**20
    dst, src = (rank + 1) % size, (rank - 1) % size
    sobj = np.full(elements, rank, dtype="i4")
    sreq = comm.isend(sobj, dst, tag=42)
    robj = comm.recv(None, src, tag=42)
    sreq.wait()
    assert robj.size == elements and robj.min() == src and robj.max() == src
    del robj
    if elements <= 2**28:
        sreq = comm.isend(sobj, dst, tag=42)
        status = MPI.Status()
        rmsg = comm.mprobe(status=status)
        assert status.Get_source() == src and status.Get_tag() == 42
        robj = rmsg.irecv().wait()
        sreq.wait()
        assert robj.min() == src and robj.max() == src
    comm.barrier()
    print(f"peer.py rank {rank}: all passed", flush=True)


main()

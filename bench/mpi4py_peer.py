"""The Python peer of //bench: mpi4py.util.pkl5 doing what bench/ asks of
pkl5, so both are measured in one run on one machine.

Launched by the bench driver under mpirun, with Debian's /usr/bin/python3
(where python3-mpi4py and python3-numpy live):

    mpirun -np 2 /usr/bin/python3 bench/mpi4py_peer.py SECTION [--sizes ...]

Prints one line per measurement on rank 0, in the driver's format:
    sample,<section>,<case>,<contender>,<ranks>,<bytes>,<value>
where value is seconds per operation (one way for ping-pong), or bytes for
the memory section. The mixed section runs in an MPMD job beside the C++
worker (--languages cpp,python) or alone (python,python). Debian's mpi4py is 3.1.4: its pkl5 has point-to-point
and bcast; allgather is mpi4py's pickle allgather (pkl5 gained one in 4.0).
"""
import argparse
import sys

import numpy as np
from mpi4py import MPI
from mpi4py.util import pkl5

CONTENDER = "mpi4py pkl5"
TAG = 11


def iterations(size):
    # Mirrors bench/workloads.cc: about 32 MiB moved per repetition.
    return max(1, min(1000, (32 << 20) // max(size, 1)))


def emit(comm, section, case, contender, nbytes, value):
    if comm.Get_rank() == 0:
        print(f"sample,{section},{case},{contender},{comm.Get_size()},"
              f"{nbytes},{value!r}", flush=True)


def ping_pong(comm, obj, iters):
    """Seconds per one-way trip of `obj` between ranks 0 and 1."""
    rank = comm.Get_rank()
    comm.Barrier()
    start = MPI.Wtime()
    for _ in range(iters):
        if rank == 0:
            comm.send(obj, 1, TAG)
            obj = comm.recv(None, 1, TAG)
        elif rank == 1:
            got = comm.recv(None, 0, TAG)
            comm.send(got, 0, TAG)
    elapsed = MPI.Wtime() - start
    return elapsed / (2 * iters)


def measure(comm, section, case, nbytes, reps, run, contender=CONTENDER):
    run()  # warm-up
    for _ in range(reps):
        emit(comm, section, case, contender, nbytes, run())


def p2p(comm, args):
    for size in args.sizes:
        # Only rank 0 holds the array: rank 1 echoes what it receives.
        array = (np.full(size, 7, dtype=np.uint8) if comm.Get_rank() == 0
                 else None)
        iters = iterations(size)
        measure(comm, "p2p", "array", size, args.reps_for(size),
                lambda: ping_pong(comm, array, iters))
        del array


def small_objects():
    """The objects of bench/workloads.cc, as a Python user has them."""
    record = (1, 2, 3, 4, 5, 1.5, 2.5, 3.5, 4.5, 5.5)  # 10-element struct
    keyed = {f"key-{i:04d}": np.full(100, i, dtype=np.float64)
             for i in range(1000)}
    names = [f"entry-{i:08d}" for i in range(100000)]
    return [("int", 42, 4), ("struct10", record, 80),
            ("string", "hello, pkl5 bench", 17),
            ("vector<double>(8)", [0.25] * 8, 64),
            ("pair<int,string>", (7, "seven"), 9),
            ("variant<int,double,string>", 2.5, 9),
            ("map1000", keyed, 1000 * (8 + 800)),
            ("strings100k", names, 100000 * 14)]


def objects(comm, args):
    for case, obj, nbytes in small_objects():
        iters = 2000 if nbytes < 4096 else 20
        measure(comm, "objects", case, nbytes, args.reps,
                lambda: ping_pong(comm, obj, iters))


def collectives(comm, args):
    raw = comm  # the pkl5 wrapper still offers MPI's own methods
    for size in args.sizes:
        iters = iterations(size)
        array = np.full(size, comm.Get_rank(), dtype=np.uint8)

        def bcast():
            comm.Barrier()
            start = MPI.Wtime()
            for _ in range(iters):
                comm.bcast(array if comm.Get_rank() == 0 else None, root=0)
            return (MPI.Wtime() - start) / iters

        def allgather():
            comm.Barrier()
            start = MPI.Wtime()
            for _ in range(iters):
                raw.allgather(array)
            return (MPI.Wtime() - start) / iters

        measure(comm, "collectives", "bcast", size, args.reps_for(size), bcast)
        measure(comm, "collectives", "allgather", size, args.reps_for(size),
                allgather, contender="mpi4py pickle")
        del array


def reductions(comm, args):
    """Element-wise sum of float64 arrays by mpi4py's lowercase allreduce
    (pickled, reduced with Python's +): what pkl5 users do today."""
    for size in args.sizes:
        iters = iterations(size * comm.Get_size())
        array = np.full(size // 8, comm.Get_rank() + 1.0)

        def allreduce():
            comm.Barrier()
            start = MPI.Wtime()
            for _ in range(iters):
                comm.allreduce(array, op=MPI.SUM)
            return (MPI.Wtime() - start) / iters

        measure(comm, "reductions", "allreduce doubles", size,
                args.reps_for(size), allreduce, contender="mpi4py pickle")
        del array


ACK_TAG = 12
LANGUAGE_NAMES = {"cpp": "C++", "python": "Python"}


def mixed(comm, args):
    """NumPy arrays one way, each direction in turn, each hop acknowledged
    by a zero-byte raw MPI message back; the other rank runs this or the
    C++ worker's mixed section (bench/workloads.cc), which run one loop."""
    languages = args.languages.split(",")
    rank = comm.Get_rank()
    peer = 1 - rank
    world = MPI.COMM_WORLD
    ack = bytearray(0)
    for size in args.sizes:
        array = np.full(size, 7, dtype=np.uint8)
        iters = iterations(size)
        checking = True

        def one_way(sender, hops):
            comm.Barrier()
            start = MPI.Wtime()
            for _ in range(hops):
                if rank == sender:
                    comm.send(array, peer, TAG)
                    world.Recv([ack, MPI.BYTE], peer, ACK_TAG)
                else:
                    got = comm.recv(None, peer, TAG)
                    if checking:
                        assert np.array_equal(got, array), "damaged array"
                    world.Send([ack, MPI.BYTE], peer, ACK_TAG)
            return (MPI.Wtime() - start) / hops

        for sender in (0, 1):
            one_way(sender, 1)
        checking = False
        for _ in range(args.reps_for(size)):
            for sender in (0, 1):
                contender = (f"{LANGUAGE_NAMES[languages[sender]]} to "
                             f"{LANGUAGE_NAMES[languages[1 - sender]]}")
                emit(comm, "mixed", "array", contender, size,
                     one_way(sender, iters))
        del array


def status_bytes(field):
    """A field of /proc/self/status (VmRSS, VmHWM) in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def memory(comm, args):
    """Growth of the peak resident set over what was resident before
    receiving one array of args.sizes[0] bytes (as bench/workloads.cc)."""
    size = args.sizes[0]
    rank = comm.Get_rank()
    if rank == 0:
        comm.send(np.full(size, 3, dtype=np.uint8), 1, TAG)
        emit(comm, "memory", "recv array", CONTENDER, size,
             comm.recv(None, 1, TAG))
    elif rank == 1:
        before = status_bytes("VmRSS")
        got = comm.recv(None, 0, TAG)
        peak = status_bytes("VmHWM")
        assert got.nbytes == size
        comm.send(peak - before, 0, TAG)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("section",
                        choices=["p2p", "objects", "collectives", "memory",
                                 "reductions", "mixed"])
    parser.add_argument("--sizes", type=int, nargs="*", default=[8])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--big_reps", type=int, default=3)
    parser.add_argument("--languages", default="python,python",
                        help="the mixed section's language per rank")
    args = parser.parse_args()
    args.reps_for = lambda size: args.reps if size < (16 << 20) else args.big_reps
    comm = pkl5.Intracomm(MPI.COMM_WORLD)
    {"p2p": p2p, "objects": objects, "collectives": collectives,
     "memory": memory, "reductions": reductions,
     "mixed": mixed}[args.section](comm, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

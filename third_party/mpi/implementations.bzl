"""The MPI implementations pkl5 builds against: Debian's Open MPI and MPICH.

One place for what differs between them; pkl5_dependencies() maps each to a
repository and //install writes it into the installed package files.
"""

MPI_IMPLEMENTATIONS = {
    "openmpi": struct(
        # Without it mpi.h drags in Open MPI's deprecated C++ bindings, which
        # then fail to link.
        defines = ["OMPI_SKIP_MPICXX=1"],
        include_dir = "/usr/lib/x86_64-linux-gnu/openmpi/include",
        pkg_config_module = "ompi-c",
    ),
    "mpich": struct(
        # As above, for MPICH's C++ bindings.
        defines = ["MPICH_SKIP_MPICXX=1"],
        include_dir = "/usr/include/x86_64-linux-gnu/mpich",
        pkg_config_module = "mpich",
    ),
}

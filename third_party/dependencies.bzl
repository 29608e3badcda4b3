"""`pkl5_dependencies()`: the external repositories pkl5 builds against.

A workspace that uses pkl5 (see consumer/) calls it from its WORKSPACE after
`local_repository(name = "pkl5", ...)`:

    load("@pkl5//third_party:dependencies.bzl", "pkl5_dependencies")
    pkl5_dependencies()

Everything comes from Debian packages installed by tools/setup.sh; nothing
is downloaded.
"""

load(
    ":system_repositories.bzl",
    "system_absl",
    "system_flatbuffers",
    "system_googletest",
    "system_mpi",
)

def pkl5_dependencies():
    """Declares Abseil, GoogleTest, FlatBuffers, Open MPI and MPICH from /usr.

    Repositories are fetched only when a build uses them: MPICH only under
    `--config=mpich` (see //third_party/mpi).
    """
    system_absl(name = "com_google_absl")
    system_googletest(name = "com_google_googletest")
    system_flatbuffers(name = "com_github_google_flatbuffers")
    system_mpi(
        name = "openmpi",
        # Without it mpi.h drags in Open MPI's deprecated C++ bindings, which
        # then fail to link.
        defines = ["OMPI_SKIP_MPICXX=1"],
        include_dir = "/usr/lib/x86_64-linux-gnu/openmpi/include",
        pkg_config_module = "ompi-c",
    )
    system_mpi(
        name = "mpich",
        # As above, for MPICH's C++ bindings.
        defines = ["MPICH_SKIP_MPICXX=1"],
        include_dir = "/usr/include/x86_64-linux-gnu/mpich",
        pkg_config_module = "mpich",
    )

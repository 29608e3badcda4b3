"""`pkl5_dependencies()`: the external repositories pkl5 builds against.

A workspace that uses pkl5 calls it from its WORKSPACE (README.md, "Use it
from Bazel"; consumer/bazel is such a workspace):

    local_repository(name = "pkl5", path = "/path/to/pkl5")
    load("@pkl5//third_party:dependencies.bzl", "pkl5_dependencies")
    pkl5_dependencies()

Everything comes from Debian packages installed by tools/setup.sh; nothing
is downloaded. A repository the workspace already declares under one of
these names is left as it is.
"""

load("//third_party/mpi:implementations.bzl", "MPI_IMPLEMENTATIONS")
load(":offline_stand_ins.bzl", "OFFLINE_STAND_INS", "offline_stand_in")
load(
    ":system_repositories.bzl",
    "system_absl",
    "system_flatbuffers",
    "system_googletest",
    "system_mpi",
)

def pkl5_dependencies():
    """Declares Abseil, GoogleTest, FlatBuffers, Open MPI and MPICH from /usr.

    And the offline stand-ins Bazel 4.2.3 needs (offline_stand_ins.bzl).
    Repositories are fetched only when a build uses them: MPICH only under
    `--define=mpi=mpich` (see //third_party/mpi).
    """
    for name, files in OFFLINE_STAND_INS.items():
        _maybe(offline_stand_in, name = name, files = files)
    _maybe(system_absl, name = "com_google_absl")
    _maybe(system_googletest, name = "com_google_googletest")
    _maybe(system_flatbuffers, name = "com_github_google_flatbuffers")
    for name, mpi in MPI_IMPLEMENTATIONS.items():
        _maybe(
            system_mpi,
            name = name,
            defines = mpi.defines,
            include_dir = mpi.include_dir,
            pkg_config_module = mpi.pkg_config_module,
        )

def _maybe(repository_rule, name, **kwargs):
    if not native.existing_rule(name):
        repository_rule(name = name, **kwargs)

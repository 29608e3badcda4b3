"""`mpi_cc_test`: a GoogleTest program run under mpirun at several rank counts."""

def mpi_cc_test(
        name,
        srcs,
        deps = [],
        np = [1, 2, 3],
        args = [],
        data = [],
        tags = [],
        size = "medium",
        timeout = None,
        **kwargs):
    """Builds `srcs` with the MPI-aware test main and runs it under mpirun.

    Defines `<name>_bin` (the program), one test `<name>_np<N>` per entry of
    `np`, and a test suite `<name>` holding them all. Run one rank count with
    `bazel test //pkg:<name>_np3`, any other count by hand with
    `testing/mpirun_test.sh 5 bazel-bin/pkg/<name>_bin`.

    Args:
      name: the test suite's name.
      srcs: test sources; they must not define `main`.
      deps: dependencies besides the MPI test main.
      np: the rank counts to run at.
      args: extra arguments for the program on every rank.
      data: runtime data of the program.
      tags: tags of every generated target; each test also gets `mpi`.
      size: the tests' Bazel size.
      timeout: the tests' Bazel timeout.
      **kwargs: passed on to the `cc_binary`.
    """
    binary = name + "_bin"
    native.cc_binary(
        name = binary,
        srcs = srcs,
        deps = deps + ["//testing:mpi_test_main"],
        data = data,
        tags = tags,
        testonly = True,
        **kwargs
    )
    mpi_program_test(
        name = name,
        program = ":" + binary,
        np = np,
        args = args,
        tags = tags,
        size = size,
        timeout = timeout,
    )

def mpi_program_test(name, program, np = [1, 2], args = [], tags = [], size = "small", timeout = None):
    """Runs an existing MPI program (its own `main`) under mpirun as a test.

    Defines one test `<name>_np<N>` per entry of `np` and a test suite
    `<name>`; the program passes when every rank exits with 0.

    Args:
      name: the test suite's name.
      program: label of the cc_binary to run.
      np: the rank counts to run at.
      args: arguments for the program on every rank.
      tags: tags of every generated test; each also gets `mpi`.
      size: the tests' Bazel size.
      timeout: the tests' Bazel timeout.
    """
    tests = []
    for ranks in np:
        test = "%s_np%d" % (name, ranks)
        native.sh_test(
            name = test,
            srcs = ["//testing:mpirun_test.sh"],
            args = [str(ranks), "$(rootpath %s)" % program] + args,
            data = [program],
            tags = tags + ["mpi"],
            size = size,
            timeout = timeout,
        )
        tests.append(":" + test)
    native.test_suite(
        name = name,
        tests = tests,
    )

"""Repository rules that expose Debian's system packages to Bazel.

Nothing is downloaded: each rule symlinks headers and libraries installed by
tools/setup.sh into an external repository and writes its BUILD files, so the
project uses upstream labels (`@com_google_absl//absl/status:statusor`,
`@com_google_googletest//:gtest`, ...) while building against /usr.
"""

def _symlink_or_fail(rctx, src, dst):
    if not rctx.path(src).exists:
        fail("%s is missing: %s. Run tools/setup.sh to install the system packages." %
             (rctx.name, src))
    rctx.symlink(src, dst)

def _pkg_config_libs(rctx, module):
    result = rctx.execute(["pkg-config", "--libs", module])
    if result.return_code != 0:
        fail("pkg-config --libs %s failed (%s). Run tools/setup.sh." %
             (module, result.stderr.strip()))
    return result.stdout.strip().split(" ")

# Upstream Abseil label (package:target) -> Debian pkg-config module.
_ABSL_TARGETS = {
    "algorithm:algorithm": "absl_algorithm",
    "algorithm:container": "absl_algorithm_container",
    "base:base": "absl_base",
    "base:config": "absl_config",
    "base:core_headers": "absl_core_headers",
    "base:log_severity": "absl_log_severity",
    "cleanup:cleanup": "absl_cleanup",
    "container:btree": "absl_btree",
    "container:fixed_array": "absl_fixed_array",
    "container:flat_hash_map": "absl_flat_hash_map",
    "container:flat_hash_set": "absl_flat_hash_set",
    "container:inlined_vector": "absl_inlined_vector",
    "container:node_hash_map": "absl_node_hash_map",
    "container:node_hash_set": "absl_node_hash_set",
    "debugging:failure_signal_handler": "absl_failure_signal_handler",
    "debugging:stacktrace": "absl_stacktrace",
    "debugging:symbolize": "absl_symbolize",
    "flags:flag": "absl_flags",
    "flags:parse": "absl_flags_parse",
    "functional:any_invocable": "absl_any_invocable",
    "functional:bind_front": "absl_bind_front",
    "functional:function_ref": "absl_function_ref",
    "hash:hash": "absl_hash",
    "memory:memory": "absl_memory",
    "meta:type_traits": "absl_type_traits",
    "numeric:bits": "absl_bits",
    "numeric:int128": "absl_int128",
    "random:random": "absl_random_random",
    "status:status": "absl_status",
    "status:statusor": "absl_statusor",
    "strings:cord": "absl_cord",
    "strings:str_format": "absl_str_format",
    "strings:strings": "absl_strings",
    "synchronization:synchronization": "absl_synchronization",
    "time:time": "absl_time",
    "types:any": "absl_any",
    "types:compare": "absl_compare",
    "types:optional": "absl_optional",
    "types:span": "absl_span",
    "types:variant": "absl_variant",
    "utility:utility": "absl_utility",
}

def _system_absl_impl(rctx):
    _symlink_or_fail(rctx, "/usr/include/absl", "include/absl")
    rctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])

cc_library(
    name = "headers",
    hdrs = glob(["include/absl/**"]),
    includes = ["include"],
)

# The headers as files, for tests that run the compiler themselves.
filegroup(
    name = "header_files",
    srcs = glob(["include/absl/**"]),
)
""")
    packages = {}
    for label, module in _ABSL_TARGETS.items():
        package, target = label.split(":")
        packages.setdefault(package, []).append(
            "cc_library(\n    name = %r,\n    deps = [\"//:headers\"],\n    linkopts = %r,\n)\n" %
            (target, _pkg_config_libs(rctx, module)),
        )
    for package, rules in packages.items():
        rctx.file(
            "absl/%s/BUILD.bazel" % package,
            "package(default_visibility = [\"//visibility:public\"])\n\n" + "\n".join(rules),
        )

system_absl = repository_rule(
    implementation = _system_absl_impl,
    doc = "Debian's libabsl-dev under upstream Abseil labels.",
    local = True,
)

def _system_googletest_impl(rctx):
    _symlink_or_fail(rctx, "/usr/include/gtest", "include/gtest")
    _symlink_or_fail(rctx, "/usr/include/gmock", "include/gmock")
    for lib in ["gtest", "gmock", "gtest_main"]:
        _symlink_or_fail(rctx, "/usr/lib/x86_64-linux-gnu/lib%s.a" % lib, "lib/lib%s.a" % lib)
    rctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])

# As upstream, :gtest carries GoogleMock too.
cc_library(
    name = "gtest",
    srcs = ["lib/libgmock.a", "lib/libgtest.a"],
    hdrs = glob(["include/gtest/**", "include/gmock/**"]),
    includes = ["include"],
    linkopts = ["-pthread"],
)

cc_library(
    name = "gtest_main",
    srcs = ["lib/libgtest_main.a"],
    deps = [":gtest"],
)
""")

system_googletest = repository_rule(
    implementation = _system_googletest_impl,
    doc = "Debian's libgtest-dev and libgmock-dev under upstream GoogleTest labels.",
    local = True,
)

def _system_flatbuffers_impl(rctx):
    _symlink_or_fail(rctx, "/usr/include/flatbuffers", "include/flatbuffers")
    _symlink_or_fail(rctx, "/usr/bin/flatc", "bin/flatc")
    rctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])

# The runtime the generated code needs (builder, verifier) is header-only.
cc_library(
    name = "runtime_cc",
    hdrs = glob(["include/flatbuffers/**"]),
    includes = ["include"],
)

alias(
    name = "flatbuffers",
    actual = ":runtime_cc",
)

# The headers as files, for tests that run the compiler themselves.
filegroup(
    name = "header_files",
    srcs = glob(["include/flatbuffers/**"]),
)

# The schema compiler, for tools/build_defs/flatbuffers.bzl.
exports_files(["bin/flatc"])

alias(
    name = "flatc",
    actual = "bin/flatc",
)
""")

system_flatbuffers = repository_rule(
    implementation = _system_flatbuffers_impl,
    doc = "Debian's libflatbuffers-dev and flatbuffers-compiler.",
    local = True,
)

def _system_mpi_impl(rctx):
    _symlink_or_fail(rctx, rctx.attr.include_dir, "include")
    rctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])

# The MPI C API only.
cc_library(
    name = "mpi",
    hdrs = glob(["include/**/*.h"]),
    includes = ["include"],
    defines = {defines},
    linkopts = {linkopts},
)
""".format(
        defines = repr(rctx.attr.defines),
        linkopts = repr(_pkg_config_libs(rctx, rctx.attr.pkg_config_module)),
    ))

system_mpi = repository_rule(
    implementation = _system_mpi_impl,
    doc = "A system MPI implementation's C API.",
    attrs = {
        "include_dir": attr.string(mandatory = True),
        "pkg_config_module": attr.string(mandatory = True),
        "defines": attr.string_list(),
    },
    local = True,
)

def _system_cc_library_impl(rctx):
    for directory in rctx.attr.include_dirs:
        _symlink_or_fail(rctx, "/usr/include/" + directory, "include/" + directory)
    rctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])

cc_library(
    name = {name},
    hdrs = glob(["include/**"]),
    includes = ["include"],
    linkopts = {linkopts},
)
""".format(name = repr(rctx.attr.target), linkopts = repr(rctx.attr.linkopts)))

system_cc_library = repository_rule(
    implementation = _system_cc_library_impl,
    doc = "A library from /usr/include (and the system library path) as one target.",
    attrs = {
        "include_dirs": attr.string_list(mandatory = True, doc = "under /usr/include"),
        "linkopts": attr.string_list(),
        "target": attr.string(mandatory = True),
    },
    local = True,
)

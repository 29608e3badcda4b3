"""Offline stand-ins for repositories Bazel 4.2.3 would otherwise download.

Debian's Bazel 4.2.3 declares @rules_cc, @rules_java and
@remote_coverage_tools in its built-in WORKSPACE suffix as downloads, which
no offline machine can fetch. Each stand-in is a small repository written
here: the rules forward to Bazel's native ones, the coverage tools only
have to exist. `pkl5_dependencies()` declares each unless the workspace
already has a repository of that name.
"""

_RULES_CC_DEFS = """\"\"\"Forwards the rules_cc API to Bazel's native C++ rules.\"\"\"

def cc_binary(**kwargs):
    native.cc_binary(**kwargs)

def cc_import(**kwargs):
    native.cc_import(**kwargs)

def cc_library(**kwargs):
    native.cc_library(**kwargs)

def cc_proto_library(**kwargs):
    native.cc_proto_library(**kwargs)

def cc_test(**kwargs):
    native.cc_test(**kwargs)

def cc_toolchain(**kwargs):
    native.cc_toolchain(**kwargs)

def cc_toolchain_suite(**kwargs):
    native.cc_toolchain_suite(**kwargs)

def objc_library(**kwargs):
    native.objc_library(**kwargs)
"""

_RULES_CC_BUILD = """package(default_visibility = ["//visibility:public"])

# Bazel's own tools/cpp rules ask for this label.
alias(
    name = "toolchain_type",
    actual = "@bazel_tools//tools/cpp:toolchain_type",
)
"""

_RULES_JAVA_DEFS = """\"\"\"Forwards the rules_java API to Bazel's native Java rules.\"\"\"

def java_import(**kwargs):
    native.java_import(**kwargs)

def java_library(**kwargs):
    native.java_library(**kwargs)

def java_proto_library(**kwargs):
    native.java_proto_library(**kwargs)

def java_runtime(**kwargs):
    native.java_runtime(**kwargs)

def java_toolchain(**kwargs):
    native.java_toolchain(**kwargs)
"""

_COVERAGE_TOOLS_BUILD = """package(default_visibility = ["//visibility:public"])

# Coverage is not collected offline; these only have to exist.
filegroup(name = "coverage_report_generator")

filegroup(name = "lcov_merger")
"""

def _stand_in_impl(rctx):
    rctx.file("WORKSPACE", "workspace(name = %r)\n" % rctx.name)
    for path, content in rctx.attr.files.items():
        rctx.file(path, content)

offline_stand_in = repository_rule(
    implementation = _stand_in_impl,
    attrs = {"files": attr.string_dict(doc = "path -> content")},
    doc = "A repository of the given files, written offline.",
    local = True,
)

# Repository name -> its files (path -> content).
OFFLINE_STAND_INS = {
    "rules_cc": {
        "BUILD": "",
        "cc/BUILD": _RULES_CC_BUILD,
        "cc/defs.bzl": _RULES_CC_DEFS,
    },
    "rules_java": {
        "BUILD": "",
        "java/BUILD": "",
        "java/defs.bzl": _RULES_JAVA_DEFS,
    },
    "remote_coverage_tools": {
        "BUILD": _COVERAGE_TOOLS_BUILD,
    },
}

"""`flatbuffer_cc_library`: C++ code for FlatBuffers schemas by the system flatc."""

def flatbuffer_cc_library(name, srcs, visibility = None, **kwargs):
    """Generates `<schema>_generated.h` for each schema in `srcs`.

    The header is generated at build time by Debian's flatc (never
    committed) and matches the runtime headers of the same package. The
    library's users include it as "<package>/<schema>_generated.h".

    Args:
      name: the cc_library holding the generated headers.
      srcs: `.fbs` schema files of this package.
      visibility: the library's visibility.
      **kwargs: passed on to the `cc_library`.
    """
    outs = [src[:-len(".fbs")] + "_generated.h" for src in srcs]
    native.genrule(
        name = name + "_flatc",
        srcs = srcs,
        outs = outs,
        tools = ["@com_github_google_flatbuffers//:flatc"],
        cmd = ("$(location @com_github_google_flatbuffers//:flatc) --cpp " +
               "--scoped-enums -o $(RULEDIR) $(SRCS)"),
        visibility = ["//visibility:private"],
    )
    native.cc_library(
        name = name,
        hdrs = outs,
        deps = ["@com_github_google_flatbuffers//:runtime_cc"],
        visibility = visibility,
        **kwargs
    )

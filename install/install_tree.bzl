"""`pkl5_install_tree`: pkl5 as a prefix tree for builds without Bazel.

    include/pkl5/...                  every header pkl5.h reaches ("pkl5/...")
    lib/libpkl5.a                     one static library (PIC objects)
    lib/pkgconfig/pkl5.pc             pkg-config
    lib/cmake/pkl5/pkl5Config.cmake   find_package(pkl5): target pkl5::pkl5
    lib/cmake/pkl5/pkl5ConfigVersion.cmake

The tree is relocatable (the .pc and CMake files find the prefix from
their own location); //install:install copies it under a prefix.
"""

load("//third_party/mpi:implementations.bzl", "MPI_IMPLEMENTATIONS")

def _own(file):
    # pkl5's own files: the main repository's, or @pkl5's when pkl5 is a
    # dependency of another workspace.
    return file.owner.workspace_name in ("", "pkl5")

def _header_destination(file):
    # Headers are reached through their virtual include path
    # (".../_virtual_includes/<target>/pkl5/..."), as include_prefix makes it.
    marker = "/_virtual_includes/"
    path = file.path
    if marker not in path:
        return None
    rest = path[path.index(marker) + len(marker):]
    return "include/" + rest[rest.index("/") + 1:]

def _last_occurrences(items):
    # Link flags deduplicated, each kept at its last place, so that a
    # library still comes after everything that needs it.
    seen = {}
    kept = []
    for item in reversed(items):
        if item not in seen:
            seen[item] = True
            kept.append(item)
    return reversed(kept)

def _pkl5_install_tree_impl(ctx):
    cc_info = ctx.attr.library[CcInfo]
    headers = {}
    for header in cc_info.compilation_context.headers.to_list():
        destination = _header_destination(header)
        if _own(header) and destination and destination.startswith("include/pkl5/"):
            headers[destination] = header
    archives = []
    link_flags = []
    for linker_input in cc_info.linking_context.linker_inputs.to_list():
        link_flags.extend(linker_input.user_link_flags)
        for library in linker_input.libraries:
            archive = library.pic_static_library or library.static_library
            if archive and _own(archive):
                archives.append(archive)
    link_flags = list(_last_occurrences(link_flags))

    mpi = MPI_IMPLEMENTATIONS[ctx.attr.mpi]
    substitutions = {
        "@VERSION@": ctx.attr.version,
        "@MPI@": ctx.attr.mpi,
        "@MPI_PKG_CONFIG@": mpi.pkg_config_module,
        "@MPI_INCLUDE_DIR@": mpi.include_dir,
        "@DEFINES@": " ".join(["-D" + d for d in mpi.defines]),
        "@CMAKE_DEFINES@": ";".join(mpi.defines),
        "@LINK_FLAGS@": " ".join(link_flags),
        "@CMAKE_LINK_FLAGS@": ";".join(link_flags),
    }
    generated = []
    for template, name in [
        (ctx.file._pc, "pkl5.pc"),
        (ctx.file._config, "pkl5Config.cmake"),
        (ctx.file._config_version, "pkl5ConfigVersion.cmake"),
    ]:
        out = ctx.actions.declare_file(ctx.label.name + "_files/" + name)
        ctx.actions.expand_template(
            template = template,
            output = out,
            substitutions = substitutions,
        )
        generated.append(out)

    tree = ctx.actions.declare_directory(ctx.label.name)
    commands = ['set -eu', 'tree="%s"' % tree.path]
    for destination, header in sorted(headers.items()):
        commands.append('mkdir -p "$tree/%s" && cp -L "%s" "$tree/%s"' %
                        (destination.rpartition("/")[0], header.path, destination))
    commands.append('mkdir -p "$tree/lib/pkgconfig" "$tree/lib/cmake/pkl5"')
    commands.append('cp "%s" "$tree/lib/pkgconfig/pkl5.pc"' % generated[0].path)
    commands.append('cp "%s" "%s" "$tree/lib/cmake/pkl5/"' %
                    (generated[1].path, generated[2].path))

    # One archive of every pkl5 object file (ar's MRI script merges them).
    commands.append('script="$tree/lib/libpkl5.mri"')
    commands.append('echo "create $tree/lib/libpkl5.a" > "$script"')
    for archive in archives:
        commands.append('echo "addlib %s" >> "$script"' % archive.path)
    commands.append('printf "save\\nend\\n" >> "$script"')
    commands.append('ar -M < "$script" && rm "$script"')

    ctx.actions.run_shell(
        inputs = headers.values() + archives + generated,
        outputs = [tree],
        command = "\n".join(commands),
        mnemonic = "Pkl5InstallTree",
        progress_message = "Assembling pkl5's install tree (%d headers, %d archives)" %
                           (len(headers), len(archives)),
    )
    return [DefaultInfo(files = depset([tree]), runfiles = ctx.runfiles(files = [tree]))]

pkl5_install_tree = rule(
    implementation = _pkl5_install_tree_impl,
    attrs = {
        "library": attr.label(providers = [CcInfo], mandatory = True),
        "version": attr.string(mandatory = True),
        # A key of MPI_IMPLEMENTATIONS: the MPI the library was built against.
        "mpi": attr.string(mandatory = True, values = MPI_IMPLEMENTATIONS.keys()),
        "_pc": attr.label(default = ":pkl5.pc.in", allow_single_file = True),
        "_config": attr.label(default = ":pkl5Config.cmake.in", allow_single_file = True),
        "_config_version": attr.label(
            default = ":pkl5ConfigVersion.cmake.in",
            allow_single_file = True,
        ),
    },
)

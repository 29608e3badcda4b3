// What pkl5 needs of the compiler, checked before anything else of pkl5 is
// compiled, so that a missing -std=c++17 is one clear error rather than
// pages of them from deep inside a header.
#ifndef PKL5_BASE_CONFIG_H_
#define PKL5_BASE_CONFIG_H_

#if __cplusplus < 201703L
#error \
    "pkl5 needs C++17 or later: compile with -std=c++17 (Bazel: add 'build --cxxopt=-std=c++17 --host_cxxopt=-std=c++17' to .bazelrc; CMake: pkl5::pkl5 sets cxx_std_17)"
#endif

#endif  // PKL5_BASE_CONFIG_H_

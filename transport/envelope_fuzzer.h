// The envelope decoder's fuzz target, shared by libFuzzer builds
// (tools/fuzz.sh) and the regression test that runs it under `bazel test`.
// The input is the first message of an object as it arrives on the user's
// communicator: any bytes at all.
#ifndef PKL5_TRANSPORT_ENVELOPE_FUZZER_H_
#define PKL5_TRANSPORT_ENVELOPE_FUZZER_H_

#include <cstddef>
#include <cstdint>

namespace pkl5::transport_internal {

// Parses `data` as an envelope and checks what a receiver relies on when it
// is accepted; aborts (a finding) when an accepted envelope breaks it.
int FuzzEnvelope(const uint8_t* data, size_t size);

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_ENVELOPE_FUZZER_H_

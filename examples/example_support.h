// What the example programs share: printing in rank order, sizes in words,
// peak memory, and one way to end.
#ifndef PKL5_EXAMPLES_EXAMPLE_SUPPORT_H_
#define PKL5_EXAMPLES_EXAMPLE_SUPPORT_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "pkl5/pkl5.h"

namespace pkl5::examples {

// Collective: rank 0 prints every rank's `line`, in rank order (gathered
// with pkl5 itself), so output of several ranks never interleaves.
void Print(Comm& comm, const std::string& line);

// "512 B", "4.00 KiB", "4.00 GiB".
std::string Bytes(double bytes);

// The largest resident set size this process has had, in bytes.
size_t PeakResidentBytes();

// Ends an example: prints `status` if it is an error, agrees with every
// rank on whether all succeeded (`ok` and `status`), finalizes MPI and
// returns the process exit code (0 when every rank succeeded). Every pkl5
// communicator must be gone before it is called.
int Finish(const char* example, const absl::Status& status, bool ok);

}  // namespace pkl5::examples

#endif  // PKL5_EXAMPLES_EXAMPLE_SUPPORT_H_

// Which ranks and tags a transport accepts, and the kInvalidArgument that
// names what is wrong with any other: one set of rules for every Transport
// implementation, so MPI and loopback reject the same calls alike.
#ifndef PKL5_TRANSPORT_ADDRESS_RULES_H_
#define PKL5_TRANSPORT_ADDRESS_RULES_H_

#include <mpi.h>

#include "absl/base/optimization.h"
#include "absl/status/status.h"

namespace pkl5 {

struct AddressRules {
  // Ranks a send may address (the remote group on an intercommunicator).
  int peer_count = 0;
  bool is_inter = false;
  // The largest tag (MPI_TAG_UB).
  int tag_upper_bound = 0;

  // A peer rank or MPI_PROC_NULL (and, for sources, MPI_ANY_SOURCE).
  absl::Status CheckDestination(int destination) const;
  absl::Status CheckSource(int source) const;
  // 0 <= tag <= tag_upper_bound (and, for receives, MPI_ANY_TAG).
  absl::Status CheckSendTag(int tag) const;
  absl::Status CheckReceiveTag(int tag) const;
  // Both checks of a send, and of a receive or probe: inline for the
  // common case of a peer rank and a tag in range (every small object's
  // call makes one), the others checked out of line.
  absl::Status CheckSend(int destination, int tag) const {
    if (ABSL_PREDICT_TRUE(InRange(destination, tag))) return absl::OkStatus();
    return CheckSendOutOfLine(destination, tag);
  }
  absl::Status CheckReceive(int source, int tag) const {
    if (ABSL_PREDICT_TRUE(InRange(source == MPI_ANY_SOURCE ? 0 : source,
                                  tag == MPI_ANY_TAG ? 0 : tag))) {
      return absl::OkStatus();
    }
    return CheckReceiveOutOfLine(source, tag);
  }

 private:
  bool InRange(int rank, int tag) const {
    return rank >= 0 && rank < peer_count && tag >= 0 && tag <= tag_upper_bound;
  }
  absl::Status CheckSendOutOfLine(int destination, int tag) const;
  absl::Status CheckReceiveOutOfLine(int source, int tag) const;
};

}  // namespace pkl5

#endif  // PKL5_TRANSPORT_ADDRESS_RULES_H_

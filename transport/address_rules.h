// Which ranks and tags a transport accepts, and the kInvalidArgument that
// names what is wrong with any other: one set of rules for every Transport
// implementation, so MPI and loopback reject the same calls alike.
#ifndef PKL5_TRANSPORT_ADDRESS_RULES_H_
#define PKL5_TRANSPORT_ADDRESS_RULES_H_

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
  // Both checks of a send, and of a receive or probe.
  absl::Status CheckSend(int destination, int tag) const;
  absl::Status CheckReceive(int source, int tag) const;
};

}  // namespace pkl5

#endif  // PKL5_TRANSPORT_ADDRESS_RULES_H_

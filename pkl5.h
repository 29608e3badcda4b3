// pkl5: send any C++ object over MPI, in the manner of mpi4py.util.pkl5.
//
//   #include "pkl5/pkl5.h"
//
// This header is pkl5's public API, and the only one a program needs:
// communicators (pkl5::Intracomm, pkl5::Intercomm), requests, messages and
// statuses (comm/), the object collectives (collectives/), the supported
// types and the opt-in for user structs, PKL5_FIELDS (serialization/), and
// the options of each, and the Python mode (pkl5::python::Intracomm:
// objects to and from ranks running mpi4py.util.pkl5, python/).
// examples/quick_tour.cc is a complete program; the user guide is
// docs/user_guide.md. Every call returns absl::Status or absl::StatusOr. Names
// in a namespace ending in `internal` are not API.
#ifndef PKL5_PKL5_H_
#define PKL5_PKL5_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include "pkl5/collectives/collectives.h"
#include "pkl5/collectives/nonblocking.h"
#include "pkl5/collectives/reduce.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/intercomm.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/comm/message.h"
#include "pkl5/comm/options.h"
#include "pkl5/comm/request.h"
#include "pkl5/comm/status.h"
#include "pkl5/python/comm.h"
#include "pkl5/python/pickle.h"
#include "pkl5/serialization/serialization.h"

#endif  // PKL5_PKL5_H_

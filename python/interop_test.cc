// The C++ side of //python:interop_test: ranks of the upper half of
// MPI_COMM_WORLD, each paired with the Python rank `rank - size / 2`
// running testdata/peer.py with mpi4py.util.pkl5. Receives every case as
// its C++ type, checks it, and sends it back; then the objects it must
// reject, bcast both ways, and mpi4py's two documented examples in a ring
// through both sides. Prints each failure and exits 1 if there was one.
//
//   interop_test [ELEMENTS]   as peer.py's
#include <mpi.h>

#include <complex>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "pkl5/python/comm.h"

namespace {

using pkl5::python::Bytes;
using pkl5::python::Intracomm;

struct Particle {
  std::string name;
  std::vector<double> position;
  int charge = 0;
  PKL5_FIELDS(Particle, name, position, charge);
  friend bool operator==(const Particle& a, const Particle& b) {
    return a.name == b.name && a.position == b.position && a.charge == b.charge;
  }
};

int failures = 0;

void Fail(const std::string& what) {
  std::cerr << "FAIL: " << what << std::endl;
  ++failures;
}
void Check(const absl::Status& status, const std::string& what) {
  if (!status.ok()) Fail(what + ": " + status.ToString());
}

std::vector<double> Iota(size_t n) {
  std::vector<double> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = static_cast<double>(i);
  return values;
}

// Receives case `tag` as a T in one of four ways, checks it equals
// `want`, and sends it back in one of four ways.
template <typename T>
void Case(Intracomm& comm, int peer, int tag, const T& want) {
  absl::StatusOr<T> got;
  pkl5::Status status;
  switch (tag % 4) {
    case 0:
      got = comm.recv<T>(peer, tag, &status);
      break;
    case 1: {
      absl::StatusOr<pkl5::python::Message> message =
          comm.mprobe(peer, tag, &status);
      got = message.ok() ? message->recv<T>() : message.status();
      break;
    }
    case 2: {
      absl::StatusOr<pkl5::python::Message> message =
          comm.mprobe(peer, tag, &status);
      if (!message.ok()) {
        got = message.status();
        break;
      }
      absl::StatusOr<pkl5::RecvRequest<T>> request = message->irecv<T>();
      got = request.ok() ? request->wait() : request.status();
      break;
    }
    default: {
      std::optional<pkl5::python::Message> found;
      while (!found.has_value()) {
        absl::StatusOr<std::optional<pkl5::python::Message>> probed =
            comm.improbe(peer, tag, &status);
        if (!probed.ok()) {
          got = probed.status();
          break;
        }
        found = std::move(*probed);
      }
      if (found.has_value()) got = found->recv<T>();
    }
  }
  const std::string what = "case " + std::to_string(tag);
  if (!got.ok()) {
    Fail(what + ": " + got.status().ToString());
    got = want;  // keep the Python side in step
  } else if (!(*got == want)) {
    Fail(what + ": the received value differs");
  } else if (status.source != peer || status.tag != tag || status.count == 0) {
    Fail(what + ": wrong status");
  }
  switch ((tag + 1) % 4) {
    case 0:
      Check(comm.send(*got, peer, tag), what + " send");
      break;
    case 1:
      Check(comm.ssend(*got, peer, tag), what + " ssend");
      break;
    case 2: {
      absl::StatusOr<pkl5::Request> sent = comm.isend(*got, peer, tag);
      Check(sent.ok() ? sent->wait() : sent.status(), what + " isend");
      break;
    }
    default: {
      absl::StatusOr<pkl5::Request> sent =
          comm.issend(std::move(*got), peer, tag);
      Check(sent.ok() ? sent->wait() : sent.status(), what + " issend");
    }
  }
}

// Receives `tag` as a T, which must fail naming `reason`, then `tag + 1`,
// which must be the int `next`.
template <typename T>
void Rejected(Intracomm& comm, int peer, int tag, const std::string& reason,
              int next) {
  absl::StatusOr<T> got = comm.recv<T>(peer, tag);
  if (got.ok() || got.status().code() != absl::StatusCode::kInvalidArgument ||
      !absl::StrContains(got.status().message(), reason)) {
    Fail("tag " + std::to_string(tag) + ": want an error naming " + reason +
         ", got " + got.status().ToString());
  }
  absl::StatusOr<int> after = comm.recv<int>(peer, tag + 1);
  if (!after.ok() || *after != next) {
    Fail("tag " + std::to_string(tag + 1) +
         " after a rejected object: " + after.status().ToString());
  }
}

void Run(Intracomm& comm, size_t elements) {
  const int size = comm.size(), rank = comm.rank();
  const int peer = rank - size / 2;
  int tag = 0;
  Case(comm, peer, tag++, std::optional<int>());
  Case(comm, peer, tag++, true);
  Case(comm, peer, tag++, int64_t{-5});
  Case(comm, peer, tag++, UINT64_MAX);
  Case(comm, peer, tag++, 1.5);
  Case(comm, peer, tag++, std::complex<double>(1, 2));
  Case(comm, peer, tag++, std::string("héllo"));
  Case(comm, peer, tag++, Bytes{std::string("\0ab", 3)});
  Case(comm, peer, tag++, std::vector<std::string>{"a", "bc"});
  Case(comm, peer, tag++, std::make_tuple(1, std::string("a"), 2.5));
  Case(comm, peer, tag++, std::map<std::string, int>{{"a", 1}, {"b", 2}});
  Case(comm, peer, tag++, std::set<int>{1, 2, 3});
  Case(comm, peer, tag++, Iota(10));
  std::vector<float> floats(100000);
  for (size_t i = 0; i < floats.size(); ++i) floats[i] = static_cast<float>(i);
  Case(comm, peer, tag++, floats);
  Case(comm, peer, tag++,
       std::vector<std::vector<int32_t>>{
           {0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}});
  Case(comm, peer, tag++,
       std::vector<std::vector<double>>(300, std::vector<double>(300, 1.0)));
  Case(comm, peer, tag++, std::vector<bool>{true, false, true});
  Case(comm, peer, tag++, Particle{"e", {1, 2, 3}, -1});
  Case(comm, peer, tag++, 2.5);
  Case(comm, peer, tag++, std::vector<std::vector<double>>{Iota(3), Iota(3)});
  Case(comm, peer, tag++,
       std::map<std::string, std::vector<double>>{{"k", {1.0, 2.0}}});

  Rejected<std::vector<int>>(comm, peer, 100, "builtins.range", 42);
  Rejected<std::vector<float>>(comm, peer, 102, "float32", 43);
  Rejected<std::vector<float>>(comm, peer, 104, "float32", 44);
  Rejected<int64_t>(comm, peer, 106, "wider than 64 bits", 45);

  Particle got;
  Check(comm.bcast(got, 0), "bcast from Python");
  if (!(got == Particle{"b", Iota(50000), 3}))
    Fail("bcast from Python differs");
  Particle mine{"cpp", Iota(40000), 7};
  Check(comm.bcast(rank == size / 2 ? mine : got, size / 2), "bcast from C++");
  if (rank != size / 2 && !(got == mine)) Fail("bcast from C++ differs");
  MPI_Barrier(comm.mpi_comm());

  // mpi4py's documented examples, in a ring through both sides.
  const int dst = (rank + 1) % size, src = (rank - 1 + size) % size;
  std::vector<int32_t> sobj(elements, rank);
  auto in_range = [&](const std::vector<int32_t>& robj) {
    if (robj.size() != elements) return false;
    for (int32_t x : robj) {
      if (x != src) return false;
    }
    return true;
  };
  {
    absl::StatusOr<pkl5::Request> sreq = comm.isend(sobj, dst, 42);
    absl::StatusOr<std::vector<int32_t>> robj =
        comm.recv<std::vector<int32_t>>(src, 42);
    Check(sreq.ok() ? sreq->wait() : sreq.status(), "example 1 isend");
    if (!robj.ok() || !in_range(*robj)) Fail("example 1 recv");
  }
  if (elements <= (size_t{1} << 28)) {
    absl::StatusOr<pkl5::Request> sreq = comm.isend(sobj, dst, 42);
    pkl5::Status status;
    absl::StatusOr<pkl5::python::Message> rmsg =
        comm.mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, &status);
    if (!rmsg.ok() || status.source != src || status.tag != 42) {
      Fail("example 2 mprobe");
    } else {
      absl::StatusOr<pkl5::RecvRequest<std::vector<int32_t>>> rreq =
          rmsg->irecv<std::vector<int32_t>>();
      absl::StatusOr<std::vector<int32_t>> robj =
          rreq.ok() ? rreq->wait() : rreq.status();
      if (!robj.ok() || !in_range(*robj)) Fail("example 2 irecv");
    }
    Check(sreq.ok() ? sreq->wait() : sreq.status(), "example 2 isend");
  }
  MPI_Barrier(comm.mpi_comm());
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const size_t elements =
      argc > 1 ? std::strtoull(argv[1], nullptr, 10) : size_t{1} << 20;
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  if (!comm.ok()) {
    std::cerr << "FAIL: " << comm.status() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  Run(*comm, elements);
  if (failures == 0) {
    std::cout << "interop_test rank " << comm->rank() << ": all passed"
              << std::endl;
  }
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}

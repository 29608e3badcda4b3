// pkl5's quick tour, a complete program (README.md shows it as it is): a
// struct with a large vector goes around a ring of any number of ranks in
// the ways pkl5 offers, then through the collectives.
//
//   bazel build -c opt //examples:quick_tour
//   testing/mpirun_test.sh 2 bazel-bin/examples/quick_tour
#include <mpi.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pkl5/pkl5.h"

struct Snapshot {
  std::string label;
  std::map<std::string, int> counters;
  std::vector<float> field;  // large: travels zero copy, any size
  PKL5_FIELDS(Snapshot, label, counters, field);
};

// Every pkl5 call returns absl::Status or absl::StatusOr; the macros return
// the first error.
absl::Status Tour(pkl5::Intracomm& comm) {
  const int next = (comm.rank() + 1) % comm.size();
  const int previous = (comm.rank() + comm.size() - 1) % comm.size();
  Snapshot mine{"rank " + std::to_string(comm.rank()),
                {{"steps", comm.rank()}},
                std::vector<float>(1 << 20, static_cast<float>(comm.rank()))};

  // A real irecv, posted before the object arrives; isend borrows `mine`
  // (an lvalue: it must outlive the request; an rvalue would be moved in).
  PKL5_ASSIGN_OR_RETURN(pkl5::RecvRequest<Snapshot> incoming,
                        comm.irecv<Snapshot>(previous, /*tag=*/1));
  PKL5_ASSIGN_OR_RETURN(pkl5::Request outgoing, comm.isend(mine, next, 1));
  PKL5_ASSIGN_OR_RETURN(Snapshot received, incoming.wait());
  PKL5_RETURN_IF_ERROR(outgoing.wait());

  // A matched probe tells sender and size first; recv_into then reuses the
  // storage of `received` (its field is overwritten in place).
  PKL5_ASSIGN_OR_RETURN(outgoing, comm.isend(mine, next, 2));
  pkl5::Status status;
  PKL5_ASSIGN_OR_RETURN(pkl5::Message message,
                        comm.mprobe(MPI_ANY_SOURCE, 2, &status));
  PKL5_RETURN_IF_ERROR(message.recv_into(received));
  PKL5_RETURN_IF_ERROR(outgoing.wait());

  // Another type than expected is an error, not a crash: the object is
  // drained and the communicator stays usable.
  PKL5_ASSIGN_OR_RETURN(outgoing, comm.isend(std::string("text"), next, 3));
  absl::StatusOr<Snapshot> wrong = comm.recv<Snapshot>(previous, 3);
  PKL5_RETURN_IF_ERROR(outgoing.wait());

  // Collectives are free functions: bcast in place, the others return.
  Snapshot shared = comm.rank() == 0 ? mine : Snapshot{};
  PKL5_RETURN_IF_ERROR(pkl5::bcast(comm, shared, /*root=*/0));
  PKL5_ASSIGN_OR_RETURN(std::vector<std::string> labels,
                        pkl5::allgather(comm, received.label));

  // Reductions take any type and op (here: merging maps); the standard
  // ops on arithmetic vectors run as MPI's own, element-wise, any size.
  const auto merge = [](std::map<std::string, int> a,
                        const std::map<std::string, int>& b) {
    for (const auto& [key, count] : b) a[key] += count;
    return a;
  };
  PKL5_ASSIGN_OR_RETURN(auto steps,  // a std::map<std::string, int>
                        pkl5::allreduce(comm, mine.counters, merge));
  PKL5_ASSIGN_OR_RETURN(std::vector<float> sum,
                        pkl5::allreduce(comm, mine.field, std::plus<>()));

  std::printf(
      "rank %d: received \"%s\" (%zu floats) from rank %d; a string as a "
      "Snapshot: %s; bcast from \"%s\"; %zu labels gathered; steps %d\n",
      comm.rank(), received.label.c_str(), received.field.size(), status.source,
      wrong.status().ToString().c_str(), shared.label.c_str(), labels.size(),
      steps["steps"]);
  const int ranks_sum = comm.size() * (comm.size() - 1) / 2;
  const bool ok = received.label == "rank " + std::to_string(previous) &&
                  received.field.size() == mine.field.size() &&
                  absl::IsInvalidArgument(wrong.status()) &&
                  shared.label == "rank 0" &&
                  labels.size() == static_cast<size_t>(comm.size()) &&
                  steps["steps"] == ranks_sum &&
                  sum.front() == static_cast<float>(ranks_sum);
  return ok ? absl::OkStatus() : absl::InternalError("a check failed");
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);  // one thread: any thread level will do
  absl::Status result;
  {
    // Collective, like MPI_Comm_dup; MPI_COMM_WORLD itself is left as is.
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    result = comm.ok() ? Tour(*comm) : comm.status();
  }  // pkl5 objects go before MPI_Finalize
  if (!result.ok()) std::fprintf(stderr, "%s\n", result.ToString().c_str());
  MPI_Finalize();
  return result.ok() ? 0 : 1;
}

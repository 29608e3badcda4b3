// A user's own struct through pkl5: strings, a map and a large vector, sent
// from rank 0 to rank 1, received several times into the same object (its
// storage is reused, not reallocated), then broadcast to every rank.
//
//   bazel run //examples:struct_exchange           # 1 rank, to itself
//   mpirun.openmpi -np 3 bazel-bin/examples/struct_exchange --mib=64
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "pkl5/examples/example_support.h"
#include "pkl5/pkl5.h"

ABSL_FLAG(double, mib, 16.0, "MiB of samples in each Experiment");
ABSL_FLAG(int, rounds, 3, "how many Experiments rank 0 sends to rank 1");

namespace {

// Any struct becomes sendable by naming its fields once.
struct Experiment {
  std::string name;
  int round = 0;
  std::map<std::string, double> parameters;
  std::vector<std::string> notes;
  std::vector<double> samples;  // large: travels zero-copy
  PKL5_FIELDS(Experiment, name, round, parameters, notes, samples);
};

Experiment MakeExperiment(int round, size_t samples) {
  Experiment experiment;
  experiment.name = absl::StrFormat("run-%03d", round);
  experiment.round = round;
  experiment.parameters = {
      {"temperature", 300.0 + round}, {"pressure", 1.0}, {"step", 1e-3}};
  experiment.notes = {"made by rank 0", absl::StrFormat("round %d", round)};
  experiment.samples.resize(samples);
  for (size_t i = 0; i < samples; ++i) {
    experiment.samples[i] = std::sin(static_cast<double>(i) + round);
  }
  return experiment;
}

bool SameExperiment(const Experiment& a, const Experiment& b) {
  return a.name == b.name && a.round == b.round &&
         a.parameters == b.parameters && a.notes == b.notes &&
         a.samples == b.samples;
}

absl::Status Exchange(pkl5::Intracomm& comm, size_t samples, int rounds,
                      bool* ok) {
  const int rank = comm.rank();
  // With one rank, rank 0 sends to itself (the sends are nonblocking).
  const int receiver = comm.size() > 1 ? 1 : 0;

  // Point to point: rank 0 sends `rounds` experiments, the receiver takes
  // each into the same object; its vector keeps its storage.
  Experiment received;
  const double* storage = nullptr;
  int reused = 0;
  for (int round = 0; round < rounds; ++round) {
    pkl5::Request sent;
    Experiment expected = MakeExperiment(round, samples);
    if (rank == 0) {
      PKL5_ASSIGN_OR_RETURN(sent, comm.isend(expected, receiver, /*tag=*/7));
    }
    if (rank == receiver) {
      pkl5::Status status;
      PKL5_RETURN_IF_ERROR(comm.recv_into(received, 0, 7, &status));
      if (!SameExperiment(received, expected)) *ok = false;
      const bool same_storage = round > 0 && received.samples.data() == storage;
      if (same_storage) ++reused;
      storage = received.samples.data();
      std::printf(
          "rank %d: received %s (%s) from rank %d into the same "
          "object%s\n",
          rank, received.name.c_str(),
          pkl5::examples::Bytes(static_cast<double>(status.count)).c_str(),
          status.source, same_storage ? ", storage reused" : "");
      std::fflush(stdout);
    }
    if (rank == 0) PKL5_RETURN_IF_ERROR(sent.wait());
  }
  if (rank == receiver && reused != rounds - 1) {
    *ok = false;
    std::printf("rank %d: storage was reused in %d of %d rounds, not all\n",
                rank, reused, rounds - 1);
  }

  // Collective: rank 0's experiment reaches every rank, received straight
  // into each rank's object.
  Experiment shared;
  if (rank == 0) shared = MakeExperiment(rounds, samples);
  PKL5_RETURN_IF_ERROR(pkl5::bcast(comm, shared, /*root=*/0));
  const bool correct = SameExperiment(shared, MakeExperiment(rounds, samples));
  *ok = *ok && correct;
  pkl5::examples::Print(
      comm, absl::StrFormat("rank %d: bcast gave %s with %zu parameters, %zu "
                            "notes, %s of samples: %s",
                            rank, shared.name, shared.parameters.size(),
                            shared.notes.size(),
                            pkl5::examples::Bytes(static_cast<double>(
                                shared.samples.size() * sizeof(double))),
                            correct ? "OK" : "WRONG"));
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  absl::ParseCommandLine(argc, argv);
  const double mib = absl::GetFlag(FLAGS_mib);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  bool ok = mib >= 0 && rounds >= 1;
  absl::Status status = absl::OkStatus();
  if (!ok) {
    status = absl::InvalidArgumentError("--mib must be >= 0, --rounds >= 1");
  } else {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    status = comm.status();
    if (status.ok()) {
      const auto samples =
          static_cast<size_t>(mib * 1024 * 1024 / sizeof(double));
      status = Exchange(*comm, samples, rounds, &ok);
    }
  }
  return pkl5::examples::Finish("struct_exchange", status, ok);
}

// Overlapping a broadcast with computation: rank 0 starts broadcasting a
// large model state (a user struct with a name, hyperparameters and a
// large weight array) with pkl5::ibcast, every rank computes while it
// travels, testing the request now and then (each test moves the
// broadcast along), then waits for it and checks what arrived.
//
//   bazel run //examples:overlap_bcast
//   mpirun.openmpi -np 4 bazel-bin/examples/overlap_bcast --mib=256
#include <mpi.h>

#include <cmath>
#include <cstdio>
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

ABSL_FLAG(double, mib, 64.0, "MiB of weights rank 0 broadcasts");

namespace {

struct ModelState {
  std::string name;
  int64_t step = 0;
  std::map<std::string, double> hyperparameters;
  std::vector<float> weights;
  PKL5_FIELDS(ModelState, name, step, hyperparameters, weights);
};

ModelState MakeModel(size_t weights) {
  ModelState model;
  model.name = "pipeline-stage-0";
  model.step = 1200;
  model.hyperparameters = {{"learning_rate", 3e-4}, {"dropout", 0.1}};
  model.weights.resize(weights);
  for (size_t i = 0; i < weights; ++i) {
    model.weights[i] = static_cast<float>(i % 1000) * 0.001f;
  }
  return model;
}

// Local work to overlap with the broadcast: one slice of a long sum.
double ComputeSlice(int slice) {
  double sum = 0;
  for (int i = 1; i <= 200000; ++i) sum += std::sqrt(i * (slice + 1.0));
  return sum;
}

absl::Status Overlap(pkl5::Intracomm& comm, size_t weights, bool* ok) {
  // The root's model is read in place while the broadcast runs; the
  // others' is written until it completes: neither is touched meanwhile.
  ModelState model = comm.rank() == 0 ? MakeModel(weights) : ModelState();
  PKL5_ASSIGN_OR_RETURN(pkl5::Request broadcast,
                        pkl5::ibcast(comm, model, /*root=*/0));

  double result = 0;
  int slices = 0;
  int slices_before_arrival = -1;
  for (; slices < 50; ++slices) {
    result += ComputeSlice(slices);
    if (slices_before_arrival < 0) {
      PKL5_ASSIGN_OR_RETURN(bool arrived, broadcast.test());
      if (arrived) slices_before_arrival = slices + 1;
    }
  }
  PKL5_RETURN_IF_ERROR(broadcast.wait());  // at once if it completed

  const ModelState expected = MakeModel(weights);
  const bool correct = model.name == expected.name &&
                       model.step == expected.step &&
                       model.hyperparameters == expected.hyperparameters &&
                       model.weights == expected.weights;
  *ok = *ok && correct;
  pkl5::examples::Print(
      comm,
      absl::StrFormat(
          "rank %d: model with %s of weights %s; %s; computed %d slices "
          "(sum %.6g)",
          comm.rank(),
          pkl5::examples::Bytes(static_cast<double>(weights * sizeof(float))),
          correct ? "correct" : "WRONG",
          slices_before_arrival < 0
              ? std::string("the broadcast completed after the computation")
              : absl::StrFormat("the broadcast completed within %d slices "
                                "of computation",
                                slices_before_arrival),
          slices, result));
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  absl::ParseCommandLine(argc, argv);
  const double mib = absl::GetFlag(FLAGS_mib);
  bool ok = mib >= 0;
  absl::Status status = absl::OkStatus();
  if (!ok) {
    status = absl::InvalidArgumentError("--mib must be >= 0");
  } else {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    status = comm.status();
    if (status.ok()) {
      const auto weights =
          static_cast<size_t>(mib * 1024 * 1024 / sizeof(float));
      status = Overlap(*comm, weights, &ok);
    }
  }
  return pkl5::examples::Finish("overlap_bcast", status, ok);
}

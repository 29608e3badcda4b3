// The consumer's own transport/options.h: a path pkl5 also has
// (pkl5/transport/options.h). pkl5 reaches its headers as "pkl5/...", so
// both live in one build; were pkl5 to include "transport/options.h" it
// would get this file and fail to compile.
#ifndef EXCHANGE_TRANSPORT_OPTIONS_H_
#define EXCHANGE_TRANSPORT_OPTIONS_H_

namespace exchange {

struct TransportOptions {
  int values_per_rank = 1 << 20;
};

}  // namespace exchange

#endif  // EXCHANGE_TRANSPORT_OPTIONS_H_

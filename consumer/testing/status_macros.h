// The consumer's own testing/status_macros.h: pkl5 must never include it.
#error "pkl5 included the consumer's testing/status_macros.h instead of its own"

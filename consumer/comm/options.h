// The consumer's own comm/options.h: pkl5 must never include it.
#error "pkl5 included the consumer's comm/options.h instead of its own"

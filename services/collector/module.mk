# ruglab-collector: receives measurements from the agents (ZeroMQ ROUTER,
# CURVE with a ZAP allow-list from the device table), validates, stores in
# idempotent batches and acknowledges after commit.
PROGRAMS += ruglab-collector
ruglab-collector_SRCS := $(sort $(wildcard services/collector/*.c))
ruglab-collector_PKGS := libczmq libzmq libpq jansson
test_collector_validate_EXTRA := services/collector/collector_validate.c
fuzz_validate_EXTRA := services/collector/collector_validate.c

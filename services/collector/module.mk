# ruglab-collector: receives measurements from the agents (ZeroMQ ROUTER,
# CURVE with a ZAP allow-list from the device table), validates, stores in
# idempotent batches and acknowledges after commit.
PROGRAMS += ruglab-collector
ruglab-collector_SRCS := $(sort $(wildcard services/collector/*.c))
ruglab-collector_PKGS := libczmq libzmq libpq jansson libmicrohttpd
# the modules without I/O: validation and the resolve step
collector_pure := services/collector/collector_validate.c services/collector/collector_resolve.c \
                  services/collector/collector_item.c
test_collector_validate_EXTRA := $(collector_pure)
fuzz_validate_EXTRA := $(collector_pure)
test_collector_copy_EXTRA := services/collector/collector_copy.c

# ruglab-agent: one per training machine. Device drivers feed a durable
# spool; the link sends it to ruglab-collector and removes what is acknowledged.
PROGRAMS += ruglab-agent
ruglab-agent_SRCS := $(sort $(wildcard services/agent/*.c services/agent/drivers/*.c))
# No database client and no protobuf-c: the agent speaks ruglab types to the
# wire module (services/common/wire.c).
ruglab-agent_PKGS := libczmq libzmq jansson
test_agent_spool_EXTRA := services/agent/agent_spool.c
test_agent_json_EXTRA := services/agent/agent_json.c
fuzz_filedrop_EXTRA := services/agent/agent_json.c
fuzz_spool_EXTRA := services/agent/agent_spool.c
test_agent_filedrop_EXTRA := services/agent/agent_spool.c services/agent/agent_json.c services/agent/agent_config.c services/agent/drivers/filedrop.c
bench_latency_EXTRA := services/agent/agent_spool.c services/agent/agent_link.c
# the bench's baselines replay the simulators' dry runs (tests/bench/bench_load.h)
bench_copy_EXTRA := services/agent/agent_json.c services/collector/collector_validate.c
bench_replay_EXTRA := services/agent/agent_json.c

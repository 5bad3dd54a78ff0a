# ruglab-agent: one per training machine. Device drivers feed a durable
# spool; the link sends it to ruglab-collector and removes what is acknowledged.
test_agent_spool_EXTRA := services/agent/agent_spool.c

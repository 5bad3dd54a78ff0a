# ruglab-outcomes: the quality team's tool (summaries, comparisons, charts)
# over the pseudonymised quality schema.
PROGRAMS += ruglab-outcomes
ruglab-outcomes_SRCS := $(sort $(wildcard services/outcomes/*.c))
ruglab-outcomes_PKGS := libpq jansson
test_outcomes_suppress_EXTRA := services/outcomes/outcomes_suppress.c services/outcomes/outcomes_cells.c

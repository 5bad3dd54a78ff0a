# ruglab: the administration CLI (sites, devices, patients, enrolments, migrations).
PROGRAMS += ruglab
ruglab_SRCS := $(sort $(wildcard services/admin/*.c))

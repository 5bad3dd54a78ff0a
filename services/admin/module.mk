# ruglab: the administration CLI (sites, devices, patients, enrolments, migrations).
PROGRAMS += ruglab
ruglab_SRCS := $(sort $(wildcard services/admin/*.c))
# jansson: --json output; libsodium: random codes, wiping passwords; libczmq: device key pairs.
ruglab_PKGS := libpq jansson libsodium libczmq

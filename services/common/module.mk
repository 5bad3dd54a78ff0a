# Shared modules: services/common/*.c become libruglab.a (see the Makefile).
# A module whose sources include a package's headers lists it as
# <module>_PKGS; the others are compiled without any package.
audit_PKGS := libpq
cli_db_PKGS := libpq
clinical_PKGS := libpq
config_PKGS := inih
db_PKGS := libpq
device_PKGS := libpq
migrate_PKGS := libpq libsodium
password_PKGS := libsodium
registration_PKGS := libpq libsodium
# The only module that sees protobuf-c and the generated types.
wire_PKGS := libprotobuf-c
conclusion_PKGS := libpq
casemix_PKGS := libpq
exercise_PKGS := libpq jansson
homeprog_PKGS := libpq

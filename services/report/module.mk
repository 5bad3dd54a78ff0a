# ruglab-report: the physician's comparisons, charts, final report (PDF) and FHIR export.
PROGRAMS += ruglab-report
ruglab-report_SRCS := $(sort $(wildcard services/report/*.c))
# The PDF letter: pango, cairo, librsvg (charts), fontconfig; libsodium:
# hashes, base64 and random ids of the exports.
ruglab-report_PKGS := libpq jansson libsodium pangocairo cairo-pdf librsvg-2.0 fontconfig
test_report_compare_EXTRA := services/report/report_compare.c services/report/report_data.c \
                             services/report/report_homeprog.c
test_report_layout_EXTRA := services/report/report_layout.c

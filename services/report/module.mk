# ruglab-report: the physician's comparisons, charts, final report (PDF) and FHIR export.
PROGRAMS += ruglab-report
ruglab-report_SRCS := $(sort $(wildcard services/report/*.c))
test_report_compare_EXTRA := services/report/report_compare.c services/report/report_data.c
test_report_layout_EXTRA := services/report/report_layout.c

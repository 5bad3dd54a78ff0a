# ruglab-report: the physician's comparisons, charts, final report (PDF) and FHIR export.
PROGRAMS += ruglab-report
ruglab-report_SRCS := $(sort $(wildcard services/report/*.c))

/* ruglab-report: the physician's report of one patient's programme. The
 * report model (rpt_model_t) is loaded once from the database (report_data.c,
 * every read of identity audited) and then rendered by the other parts:
 * compare tables (report_compare.c), gnuplot charts (report_chart.c), the
 * A4 letter (report_pdf.c) and the FHIR export (report_fhir.c). The model
 * owns all its strings; a missing value is NAN (never 0). Single-threaded. */
#ifndef RUGLAB_REPORT_H
#define RUGLAB_REPORT_H

#include "ruglab/clinical.h"
#include "ruglab/err.h"
#include "ruglab/exercise.h"
#include "ruglab/measures.h"
#include "ruglab/programme.h"

#include "ruglab/domain.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

/* The three measured time points of domain.h's rl_timepoint_t (start,
 * mid, end), as 0-based indices of the model's arrays:
 * index = rl_timepoint_t - RL_TP_START. */
enum {
    RPT_START = RL_TP_START - RL_TP_START,
    RPT_MID = RL_TP_MID - RL_TP_START,
    RPT_END = RL_TP_END - RL_TP_START,
    RPT_NTP = RL_TP_COUNT - RL_TP_START,
};

const char *rpt_tp_name(int tp); /* "start", "mid", "end" (codes, JSON, CSV) */
/* The time point in the report's language: "begin"/"midden"/"einde". */
const char *rpt_tp_label(int tp, const char *lang);

typedef struct {
    bool present;
    char date[16]; /* YYYY-MM-DD */
    char *device_id;
    char *session_id;
    int session_number; /* 0 when unknown */
} rpt_occasion_t;

/* One measured quantity at the three time points. */
typedef struct {
    double v[RPT_NTP]; /* NAN = missing */
} rpt_tp3_t;

typedef struct {
    rl_direction_t dir;
    bool measured;       /* any trial at any time point */
    rpt_tp3_t rom_deg;   /* best of trials */
    rpt_tp3_t torque_nm; /* best of trials (isometric maximum) */
    rpt_tp3_t cv_pct;    /* effort check over the torque trials */
    int n_trials[RPT_NTP];
    /* the reference of the device model the test was done on, for the
     * patient's sex and age band (clinical.reference_value); NAN = none */
    rpt_tp3_t ref_torque_nm; /* per kg references times the body weight */
    rpt_tp3_t ref_rom_deg;
    rpt_tp3_t pct_ref;       /* torque as % of the reference */
    rpt_tp3_t rom_pct_ref;   /* range of motion as % of the reference */
    rpt_tp3_t torque_per_kg; /* N·m per kg body weight */
} rpt_direction_t;

typedef struct {
    bool present;
    double score; /* NAN when not scorable */
    char date[16];
    long long response_id;
    char *version;
    char *answers; /* JSON text as stored */
    int band;      /* rl_q_band_t, from rescoring the stored answers */
} rpt_qpoint_t;

typedef struct {
    char *instrument; /* as stored: NPRS, ODI, RMDQ, TSK, PSFS, NDI */
    rpt_qpoint_t at[RPT_NTP];
    int n_responses; /* inside the programme's dates */
    /* the days of the scorable responses inside the dates, in order (to
     * say why a time point has none) */
    char (*days)[16];
    int n_days;
    /* start -> end, only when both are present and scored */
    bool has_change;
    double change;
    double change_pct;
    bool improved;
    bool important;
    bool has_mic;
    /* the instrument has a minimal detectable change (NDI) and the
     * improvement reached it */
    bool has_mdc;
    bool detectable;
} rpt_questionnaire_t;

/* Training load: the heaviest set per direction in each device session. */
typedef struct {
    int index; /* 1.. in order of the sessions with training sets */
    char date[16];
    rl_direction_t dir;
    double max_load_nm;
    double mean_pct_of_max; /* NAN when the device did not give it */
    int sets;
} rpt_load_t;

typedef struct {
    int n;
    double *angle_deg;
    double *torque_nm;
    double rate_hz;
    rl_direction_t dir;
    int tp;
    /* an isometric test holds one angle: the angle moves by less than
     * RPT_ISOMETRIC_SPAN_DEG over the recording (max - min) */
    bool isometric;
    double angle_mean_deg; /* the test angle of an isometric test */
} rpt_curve_t;

#define RPT_ISOMETRIC_SPAN_DEG 5.0

/* Exercise variants (issue 17): the catalogue exercises done in the
 * sessions (`ruglab session exercises`, clinical.session_exercise through
 * rl_homeprog_fetch_done), one entry per exercise with every session it
 * was done in, in order. Decisions: the progression is what was done in
 * the sessions (the prescriptions of the home programme are its own
 * block); a day without an attended session inside the programme's dates
 * (no session number) counts nowhere, as for every other record. */
typedef struct {
    int session_number;
    char date[16];
    char *variant; /* the variant's code; NULL: as described */
    int level;     /* the variant's level (-3..3, <0 easier); 0: as described */
} rpt_variant_step_t;

typedef struct {
    char *exercise;            /* the catalogue code */
    char *name_nl, *name_en;   /* the catalogue names (NULL: unknown) */
    rpt_variant_step_t *steps; /* every session it was done in, in order */
    int n_steps;
} rpt_variant_t;

/* The steps of v where the variant changed (the first session, then every
 * session whose variant differs from the one before), as indices into
 * v->steps; returns the count. idx holds v->n_steps entries. */
int rpt_variant_changes(const rpt_variant_t *v, int *idx);
/* The steps standing for start, mid and end (the first, the middle one of
 * three or more, the last of two or more), as in the training load; -1 where
 * there is none. */
void rpt_variant_tp(const rpt_variant_t *v, int idx[RPT_NTP]);
/* A level in lang (nl, en), for the letter and the charts: "as described"
 * (0), else "easier -1", "harder +2" (rl_exercise_level_word). In buf. */
const char *rpt_variant_level_text(int level, const char *lang, char *buf, size_t len);

/* ---- homeprog: the enrolment's current home programme (issue 17; the
 * letter's advice, the patient handout, the compare JSON). */

/* One exercise of it, as prescribed last (clinical.v_home_programme). */
typedef struct {
    const rl_exercise_t *exercise;  /* in rpt_homeprog_t.catalogue */
    const rl_ex_variant_t *variant; /* of that exercise; NULL: as described */
    int reps, sets;                 /* repetitions and sets, or 0 with a hold time */
    int hold;                       /* hold time in seconds, or 0 */
    int per_week;
} rpt_home_item_t;

/* The programme in catalogue order; n == 0 when the enrolment has none.
 * Stopped exercises are left out; an exercise or variant retired from the
 * catalogue since it was prescribed stays in it (with retired set) until
 * the physiotherapist stops or changes it. */
typedef struct {
    rl_ex_catalogue_t catalogue; /* the exercises' texts (retired ones too) */
    rpt_home_item_t *items;
    int n;
} rpt_homeprog_t;

/* The dose in lang ("nl", "en") for the patient and the letter: "3 sets
 * of 10 repetitions, 5 times a week" or "hold for 40 seconds, 4 times a
 * week". In buf. */
const char *rpt_homeprog_dose(const rpt_home_item_t *h, const char *lang, char *buf, size_t len);
/* The variant in lang: "easier" / "harder, level 2"; NULL as described. */
const char *rpt_homeprog_variant_name(const rpt_home_item_t *h, const char *lang, char *buf,
                                      size_t len);
/* The letter's sentence naming the programme ("Home programme: Forearm
 * plank (harder: lift one leg off the floor), hold for 40 seconds, 4 times
 * a week; ..."), NULL when there is none. Caller frees. */
char *rpt_homeprog_text(const rpt_homeprog_t *hp, const char *lang);
/* The programme as a JSON array (codes and dose) for the compare JSON. */
json_t *rpt_homeprog_json(const rpt_homeprog_t *hp);

typedef struct {
    /* the patient */
    long long subject_id;
    long long enrolment_id;
    char *badge_token;
    char *family_name, *given_name;
    char *insz;          /* 11 digits */
    char *date_of_birth; /* YYYY-MM-DD */
    char *sex;           /* M, F, X */
    char *address, *postal_code, *city;
    double body_weight_kg; /* NAN when unknown */
    /* the GP (all NULL when none is recorded) */
    char *gp_family_name, *gp_given_name, *gp_riziv, *gp_address, *gp_postal_code, *gp_city;
    /* the site and its physician */
    char *site_name, *site_address, *physician_name, *physician_riziv;
    /* the enrolment and its programme */
    char *programme_code, *programme_name;
    char *programme_name_en; /* NULL: the programme has no English name */
    char *indication, *route, *status;
    /* the body region whose device values count (the programme's,
     * deploy/sql/704): the tests, training and curves below are of
     * devices of this region only */
    rl_body_region_t body_region;
    char *start_date, *end_date; /* end_date NULL while running */
    char *pain_since, *surgery_date, *referring_physician, *dropout_reason;
    bool on_sick_leave, occupational_copy;
    /* the work status at start and end (clinical.v_work_status, the codes
     * of deploy/sql/604); NULL when not recorded */
    char *work_start, *work_end;
    int age_at_start;
    int mid_test_session;
    /* attendance (clinical.v_attendance: inside the programme's dates) */
    int planned_sessions, attended_total, attended_exercise, attended_information;
    int planned_exercise, planned_information;
    bool complete; /* every planned session of each kind attended */
    int no_shows, cancellations;
    char *first_session_date, *last_session_date;
    int min_session_minutes, sessions_short, sessions_length_unknown;
    int sessions_outside_dates;
    /* the final report's deadline (clinical.report_due_date) */
    rl_clinical_report_t report;
    /* attendance warnings under the programme's rules (clinical.h): more
     * sessions in a week than allowed, past the maximum duration, more
     * sessions than allowed, before the start; owned, NULL when none */
    rl_programme_warning_t *warnings;
    int n_warnings;
    int max_per_week, allowed_sessions;
    /* tests */
    rpt_occasion_t occasion[RPT_NTP];
    int n_occasions; /* all test occasions, with or without a time point */
    rpt_direction_t dirs[RL_DIR_COUNT];
    bool has_reference;     /* any reference value applied */
    char *reference_source; /* the reference table's source line */
    /* the table applied: every value validated (a final letter needs it),
     * its citation, population and device model */
    bool reference_validated;
    char *reference_citation, *reference_population, *reference_model;
    /* the smallest real difference per direction (clinical.srd_setting of
     * the test device's model, else RL_MEASURES_SRD_DEFAULT_PCT) */
    rl_measures_srd_t srd;
    bool srd_site[RL_DIR_COUNT]; /* the direction's value is the site's own */
    /* questionnaires, one entry per instrument answered inside the dates */
    rpt_questionnaire_t *quest;
    int n_quest;
    /* the days the questionnaire time points are anchored on
     * (clinical.v_timepoint_anchor; "" when none) and the window */
    char anchor[RPT_NTP][16];
    int anchor_window_days;
    /* training load */
    rpt_load_t *load;
    int n_load;
    int n_load_sessions;
    /* exercise variants over the programme (rpt_variant_t), in catalogue
     * order; NULL and 0 when no exercise was recorded in a session */
    rpt_variant_t *variants;
    int n_variants;
    /* a raw force/angle curve of a test (the best extension trial of the
     * last test), n == 0 when none was recorded */
    rpt_curve_t curve;
    /* the physician's conclusion (NULL when none written) */
    char *conclusion, *conclusion_by, *conclusion_at;
    char *conclusion_lang; /* nl, en, fr */
    char *advice;          /* the advice written apart; NULL when none */
    char *today;           /* YYYY-MM-DD, Europe/Brussels */
    char *now_local;       /* YYYY-MM-DD HH:MM:SS, Europe/Brussels */
    /* homeprog: the current home programme (report_homeprog.c) */
    rpt_homeprog_t homeprog;
} rpt_model_t;

/* ---- report_data.c */

/* Finds the patient (badge token, subject id or INSZ), records the read in
 * audit.access_log (os user, program, command) and loads the report model
 * of the patient's most recent enrolment (enrolment_id > 0: that one).
 * Returns NULL with err set: *rc is RL_EXIT_FAIL for an unknown patient or
 * one without an enrolment, RL_EXIT_DB for a database error. */
rpt_model_t *rpt_model_load(PGconn *conn, const char *patient, long long enrolment_id,
                            const char *command, int *rc, rl_err_t *err)
    __attribute__((warn_unused_result));
void rpt_model_destroy(rpt_model_t **self_p);

/* Human-readable list of what is missing from the report (no mid test, no
 * questionnaires, ...), in lang "nl" or "en". Returns the count; lines[i]
 * are static strings or owned by the caller via *owned (free each). */
int rpt_model_missing(const rpt_model_t *m, const char *lang, char **lines, int max);

/* Warning i of the model as one sentence in lang "nl" or "en", in buf. */
const char *rpt_warning_text(const rpt_model_t *m, int i, const char *lang, char *buf, size_t len);

/* true when the programme has ended (completed or dropped out). */
bool rpt_model_ended(const rpt_model_t *m);

/* The completion sentence of the letter, from attendance alone (README,
 * "What the letter says"): fully completed only when every planned
 * session of each kind was attended; otherwise how many of how many and
 * which kinds were missed; a dropout says after how many, with the reason
 * given. Caller frees. */
char *rpt_completion_text(const rpt_model_t *m, const char *lang);

/* "Work status: at the start sick leave ...; at the end ..." in lang (nl
 * or en), or NULL when neither is recorded (the letter then says
 * nothing). Caller frees. */
char *rpt_work_status_text(const rpt_model_t *m, const char *lang);

/* The attended sessions that count towards the plan: per kind, at most
 * the planned number (extra sessions of a kind do not make up for missed
 * sessions of another). */
int rpt_attended_of_planned(const rpt_model_t *m);

/* The sentence saying the report is sent late and by how many days (""
 * when it is in time or the programme runs). In buf. */
const char *rpt_late_text(const rpt_model_t *m, const char *lang, char *buf, size_t len);

/* Whether the change start -> end of a device value is real (beyond the
 * direction's smallest real difference): 1 real, 0 within the test noise,
 * -1 undefined (a value missing or the start 0). */
int rpt_real_change(const rpt_model_t *m, rl_direction_t dir, const rpt_tp3_t *x);

/* ---- derived values (report_compare.c) */

rl_measures_change_t rpt_change(const rpt_tp3_t *x);
double rpt_flex_ext_ratio(const rpt_model_t *m, int tp);
/* pair 0: lateral flexion, 1: rotation; torque asymmetry in % */
double rpt_asymmetry(const rpt_model_t *m, int pair, int tp);
/* The flexion/extension ratio and the lateral flexion and rotation
 * asymmetries at each time point. */
void rpt_balance(const rpt_model_t *m, rpt_tp3_t *ratio, rpt_tp3_t *asym_lf, rpt_tp3_t *asym_rot);

/* ---- report_compare.c */

typedef enum { RPT_FMT_TABLE, RPT_FMT_CSV, RPT_FMT_JSON } rpt_format_t;

/* The comparison as a JSON object (caller owns). Missing values are null. */
json_t *rpt_compare_json(const rpt_model_t *m);
/* Writes the comparison to out. */
int rpt_compare_write(const rpt_model_t *m, rpt_format_t fmt, FILE *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* ---- report_chart.c */

typedef struct {
    char *strength; /* SVG files, NULL when there is nothing to draw */
    char *rom;
    char *load;
    char *quest;
    char *curve;
    char *variants; /* the exercise variants over the sessions */
} rpt_charts_t;

/* Draws the charts with gnuplot into dir (SVG), labels in lang. Fails with
 * a one-line error when gnuplot is not on PATH or exits non-zero. */
int rpt_charts_make(const rpt_model_t *m, const char *lang, const char *dir, rpt_charts_t *out,
                    rl_err_t *err) __attribute__((warn_unused_result));
void rpt_charts_free(rpt_charts_t *c);

/* ---- report_pdf.c */

/* Writes the final report (eindverslag) as an A4 PDF. draft marks every
 * page. */
int rpt_letter_write(const rpt_model_t *m, const rpt_charts_t *charts, const char *lang, bool draft,
                     const char *path, rl_err_t *err) __attribute__((warn_unused_result));

/* Releases the font caches of pango/fontconfig (once, before exit). */
void rpt_letter_cleanup(void);

/* ---- report_draw.c: the page and text layout shared by the letter
 * (report_pdf.c) and the patient handout (report_handout.c). An A4 PDF:
 * cairo for the page, pango for real, selectable text (DejaVu Sans, sizes
 * in points, embedded as subsets); paragraphs go down the page and
 * continue on the next one. Not thread-safe (pango/fontconfig). */

#define RPT_PAGE_W 595.276
#define RPT_PAGE_H 841.890
#define RPT_MARGIN_X 56.0
#define RPT_MARGIN_TOP 50.0
#define RPT_MARGIN_BOTTOM 60.0
#define RPT_WIDTH (RPT_PAGE_W - 2 * RPT_MARGIN_X)
#define RPT_FONT "DejaVu Sans"

typedef struct _cairo cairo_t;
typedef struct _cairo_surface cairo_surface_t;
typedef struct _PangoLayout PangoLayout;

typedef struct rpt_doc rpt_doc_t;
struct rpt_doc {
    cairo_surface_t *surface;
    cairo_t *cr;
    double y; /* where the next paragraph starts */
    int page; /* 1.. */
    bool nl;  /* Dutch, else English */
    bool draft;
    const rpt_model_t *m;
    /* draws what every page carries (footer, banner) on a new page */
    void (*decor)(rpt_doc_t *d);
    /* what decor repeats at the top of a page it continues on (the
     * handout: the exercise's name); NULL: nothing */
    const char *running;
};

/* Opens an A4 PDF at path (title: its metadata) and draws the first
 * page's decor; d's nl, draft, m and decor are set by the caller. */
int rpt_doc_open(rpt_doc_t *d, const char *path, const char *title, rl_err_t *err)
    __attribute__((warn_unused_result));
/* Ends the last page and writes the file; rc: the drawing's result so
 * far (a failure is kept). Returns 0 or -1 with err. */
int rpt_doc_close(rpt_doc_t *d, const char *path, int rc, rl_err_t *err);

/* nl or en by the document's language. */
const char *rpt_T(const rpt_doc_t *d, const char *nl, const char *en);
/* A pango layout of markup at size points, wrapped at width. Caller
 * g_object_unref()s. */
PangoLayout *rpt_layout(rpt_doc_t *d, const char *markup, double size, double width);
double rpt_height(PangoLayout *l);
void rpt_new_page(rpt_doc_t *d);
/* A new page unless h points fit below y. */
void rpt_need(rpt_doc_t *d, double h);
/* A paragraph of pango markup (the arguments escaped) at x offset indent. */
void rpt_para(rpt_doc_t *d, double size, double indent, double space_after, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The height rpt_para would take (to keep paragraphs together). */
double rpt_para_height(rpt_doc_t *d, double size, double indent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A list item: label (e.g. "2." or "•") at indent, the text (markup,
 * arguments escaped) beside it with its lines aligned (hanging indent). */
void rpt_item(rpt_doc_t *d, double size, double indent, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A bold heading with a rule under it, kept with keep points of what
 * follows. */
void rpt_heading(rpt_doc_t *d, double size, double keep, const char *text);
/* "3 mei 2026" / "3 May 2026"; caller frees. */
char *rpt_date(const rpt_doc_t *d, const char *iso);

/* ---- report_handout.c */

/* Writes the patient's handout of m's home programme (m->homeprog, not
 * empty) as an A4 PDF in lang (nl, en). */
int rpt_handout_write(const rpt_model_t *m, const char *lang, const char *path, rl_err_t *err)
    __attribute__((warn_unused_result));

/* ---- report_layout.c */

/* Where a table breaks across pages. h[r]: the height of data row r (with
 * its spacing); keep[r]: row r stays on the page of row r - 1 (the second
 * row of a direction); header: the header's height, drawn again at the top
 * of every page the table continues on; y: where the table would start;
 * top, bottom: a page's first and last usable position. Fills brk[r]: a
 * new page starts before row r (brk[0]: the table starts on a new page).
 * Rules: the header stands with at least two of its rows (a table that
 * cannot be split with two rows on each side moves to the next page
 * whole); a continuation carries at least two rows; a kept row never
 * starts a page. Returns the number of pages the table touches. */
int rpt_table_plan(const double *h, const bool *keep, int n, double header, double y, double top,
                   double bottom, bool *brk);

/* ---- report_fhir.c */

/* The report as a FHIR R4 Bundle (collection) with the PDF attached.
 * Caller owns the result. */
json_t *rpt_fhir_bundle(const rpt_model_t *m, const unsigned char *pdf, size_t pdf_len,
                        const char *lang, bool draft, rl_err_t *err);

/* ---- report_kmehr.c */

/* The report as a KMEHR message (XML text) with the PDF as a multimedia
 * link; needs the GP's and the physician's RIZIV numbers. Caller frees. */
char *rpt_kmehr_message(const rpt_model_t *m, const unsigned char *pdf, size_t pdf_len,
                        const char *lang, bool draft, rl_err_t *err);

/* ---- report_issue.c: issuing a final report (ruglab-report's letter,
 * export and batch; ruglab-web's sign-off). Nothing is printed: errors
 * in rl_err_t, one line without the command's name. */

/* Why a final report of m is refused. */
typedef enum {
    RPT_MAY_ISSUE = 0,
    RPT_REFUSE_REFERENCE,     /* % of reference from a table not marked validated */
    RPT_REFUSE_RUNNING,       /* the programme has not ended */
    RPT_REFUSE_NO_CONCLUSION, /* no conclusion written yet */
} rpt_refusal_t;

/* The refusal that also holds for a batch (the reference table is not
 * validated); NULL when none. A static sentence. */
const char *rpt_final_refusal(const rpt_model_t *m);
/* The checks before a final report, in this order: reference validated,
 * programme ended, conclusion written. patient: how the user named the
 * patient (for the hint in the message). err says why. */
rpt_refusal_t rpt_may_issue(const rpt_model_t *m, const char *patient, rl_err_t *err);

/* Writes data to path (a partial file is removed). */
int rpt_write_file(const char *path, const void *data, size_t len, rl_err_t *err)
    __attribute__((warn_unused_result));
/* A new file (never over an existing one), mode 0640 whatever the umask,
 * synced to disk before it is closed (the outbox: written under a
 * temporary name, then renamed). */
int rpt_write_durable(const char *path, const void *data, size_t len, rl_err_t *err)
    __attribute__((warn_unused_result));
/* Syncs a folder (after a rename in it). */
int rpt_fsync_dir(const char *dir, rl_err_t *err) __attribute__((warn_unused_result));

/* Renders the letter of m into dir/letter.pdf (charts in charts_dir, NULL:
 * dir) and returns its bytes. Not thread-safe (pango/fontconfig): a
 * threaded caller holds one lock around it. */
unsigned char *rpt_render(const rpt_model_t *m, const char *lang, bool draft, const char *dir,
                          const char *charts_dir, size_t *len, rl_err_t *err);

/* The export of a rendered letter as text ending in a newline: the KMEHR
 * message (kmehr) or the FHIR Bundle as JSON. Caller frees. */
char *rpt_export_text(const rpt_model_t *m, bool kmehr, const unsigned char *pdf, size_t len,
                      const char *lang, bool draft, rl_err_t *err);
/* What a KMEHR message of m lacks: "gp_riziv" (no GP recorded),
 * "physician_riziv" (the site has no physician RIZIV number), NULL when it
 * can be made. */
const char *rpt_kmehr_missing(const rpt_model_t *m);

void rpt_sha256_hex(const unsigned char *data, size_t len, char hex[65]);

/* One final report recorded in clinical.report_issued. */
typedef struct {
    const char *kind;     /* letter, fhir, kmehr */
    const char *lang;     /* nl, en */
    const char *sha256;   /* hex */
    const char *path;     /* where it was written (made absolute), or NULL */
    const char *via;      /* letter, export, batch, web */
    long long release_id; /* the web's release it belongs to, 0: none */
} rpt_record_t;

/* Records a final report (generated_by: rl_audit_reader()); *report_id
 * (may be NULL) its id. */
int rpt_record(PGconn *conn, const rpt_model_t *m, const rpt_record_t *r, long long *report_id,
               rl_err_t *err) __attribute__((warn_unused_result));

/* ---- text helpers (report_compare.c) */

/* "12.5", or missing_text when v is NAN. Static rotating buffer. */
const char *rpt_num(double v, int decimals, const char *missing_text);

/* The unit of a stored instrument's score: "%" (ODI, NDI) or "points". */
const char *rpt_quest_unit(const char *instrument);

#endif

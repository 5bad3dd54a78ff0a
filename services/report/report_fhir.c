/* The report as an HL7 FHIR R4 Bundle (type collection): Patient with the
 * Belgian INSZ identifier (eHealth NamingSystem ssin), the GP and the
 * physician as Practitioner (NIHDI number), a DiagnosticReport with the
 * PDF letter attached (presentedForm), one Observation per measured value
 * with UCUM units, and a QuestionnaireResponse per questionnaire response
 * (with an Observation of its score). Entries reference each other by
 * urn:uuid fullUrls. Our own codes use the URN namespace urn:ruglab:... */
#include "report.h"

#include "ruglab/mem.h"
#include "ruglab/questionnaire.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_SSIN "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin"
#define S_NIHDI "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi"
#define S_UCUM "http://unitsofmeasure.org"
#define S_OBS_CAT "http://terminology.hl7.org/CodeSystem/observation-category"

typedef struct {
    json_t *entries;
    json_t *results; /* DiagnosticReport.result */
    char patient_ref[64];
    long long eid;
    bool draft;
    rl_body_region_t region; /* of the device values (the programme's) */
} s_ctx_t;

static void
s_uuid(char out[64])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 64,
             "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* Adds resource as an entry; returns its fullUrl (static per call site
 * buffer owned by caller). */
static void
s_add(s_ctx_t *c, json_t *resource, char full_url[64])
{
    s_uuid(full_url);
    json_object_set_new(resource, "id", json_string(full_url + strlen("urn:uuid:")));
    json_array_append_new(c->entries,
                          json_pack("{s:s, s:o}", "fullUrl", full_url, "resource", resource));
}

static json_t *
s_ref(const char *url)
{
    return json_pack("{s:s}", "reference", url);
}

static json_t *
s_quantity(double v, const char *unit, const char *code)
{
    return json_pack("{s:f, s:s, s:s, s:s}", "value", v, "unit", unit, "system", S_UCUM, "code",
                     code);
}

static void
s_observation(s_ctx_t *c, const char *measure, const char *direction, int tp, const char *date,
              const char *text, double v, const char *unit, const char *ucum, const char *category,
              const char *derived_from)
{
    if (isnan(v))
        return; /* a missing value is no Observation at all, never a 0 */
    char *code = direction ? rl_asprintf("%s.%s", measure, direction) : rl_strdup(measure);
    char *ident = rl_asprintf("E%lld.%s.%s", c->eid, code, rpt_tp_name(tp));
    json_t *o = json_pack(
        "{s:s, s:[{s:s, s:s}], s:s, s:[{s:[{s:s, s:s}]}], s:{s:[{s:s, s:s, s:s}], s:s}, s:o, "
        "s:o}",
        "resourceType", "Observation", "identifier", "system", "urn:ruglab:observation", "value",
        ident, "status", c->draft ? "preliminary" : "final", "category", "coding", "system",
        S_OBS_CAT, "code", category, "code", "coding", "system", "urn:ruglab:measure", "code", code,
        "display", text, "text", text, "subject", s_ref(c->patient_ref), "valueQuantity",
        s_quantity(v, unit, ucum));
    if (date && *date)
        json_object_set_new(o, "effectiveDateTime", json_string(date));
    json_object_set_new(o, "note", json_pack("[{s:s}]", "text", rpt_tp_name(tp)));
    if (derived_from)
        json_object_set_new(o, "derivedFrom", json_pack("[o]", s_ref(derived_from)));
    if (!strcmp(category, "exam")) {
        /* a device value: the body region its device measures (SNOMED CT
         * body structures; cervical and lumbar values never compare) */
        bool neck = c->region == RL_REGION_CERVICAL;
        json_object_set_new(o, "bodySite",
                            json_pack("{s:[{s:s, s:s, s:s}], s:s}", "coding", "system",
                                      "http://snomed.info/sct", "code",
                                      neck ? "122494005" : "122496007", "display",
                                      neck ? "Cervical spine structure" : "Lumbar spine structure",
                                      "text", rl_body_region_name(c->region)));
    }
    char url[64];
    s_add(c, o, url);
    json_array_append_new(c->results, s_ref(url));
    free(code);
    free(ident);
}

static json_t *
s_practitioner(const char *family, const char *given, const char *riziv)
{
    json_t *p = json_pack("{s:s, s:[{s:s, s:[s]}]}", "resourceType", "Practitioner", "name",
                          "family", family ? family : "", "given", given ? given : "");
    if (riziv)
        json_object_set_new(p, "identifier",
                            json_pack("[{s:s, s:s}]", "system", S_NIHDI, "value", riziv));
    return p;
}

static void
s_questionnaire_response(s_ctx_t *c, const rpt_questionnaire_t *q, int tp)
{
    const rpt_qpoint_t *a = &q->at[tp];
    json_t *items = json_array();
    json_error_t jerr;
    json_t *answers = a->answers ? json_loads(a->answers, 0, &jerr) : NULL;
    size_t i;
    json_t *ans;
    json_array_foreach(answers, i, ans)
    {
        json_int_t item = json_integer_value(json_object_get(ans, "item"));
        json_t *value = json_object_get(ans, "value");
        char link[32];
        snprintf(link, sizeof link, "%lld", (long long)item);
        json_t *answer = json_is_integer(value)
                             ? json_pack("{s:I}", "valueInteger", json_integer_value(value))
                             : json_pack("{s:f}", "valueDecimal", json_number_value(value));
        json_array_append_new(items, json_pack("{s:s, s:[o]}", "linkId", link, "answer", answer));
    }
    json_decref(answers);
    char rid[32];
    snprintf(rid, sizeof rid, "%lld", a->response_id);
    char *display = rl_asprintf("%s %s", q->instrument, a->version ? a->version : "");
    json_t *qr = json_pack("{s:s, s:{s:s, s:s}, s:s, s:o, s:s, s:o, s:[{s:s, s:s}]}",
                           "resourceType", "QuestionnaireResponse", "identifier", "system",
                           "urn:ruglab:questionnaire-response", "value", rid, "status", "completed",
                           "subject", s_ref(c->patient_ref), "authored", a->date, "item", items,
                           "extension", "url", "urn:ruglab:instrument", "valueString", display);
    char url[64];
    s_add(c, qr, url);
    free(display);
    bool odi = !strcmp(rpt_quest_unit(q->instrument), "%");
    char *text = rl_asprintf("%s score", q->instrument);
    s_observation(c, "score", q->instrument, tp, a->date, text, a->score, odi ? "%" : "{score}",
                  odi ? "%" : "{score}", "survey", url);
    free(text);
}

/* The Patient, with the GP as a Practitioner entry of its own (added
 * first, so that the Patient can refer to it). */
static void
s_patient(s_ctx_t *c, const rpt_model_t *m)
{
    const char *gender = !strcmp(m->sex, "M") ? "male" : !strcmp(m->sex, "F") ? "female" : "other";
    json_t *pat =
        json_pack("{s:s, s:[{s:s, s:s, s:s}], s:[{s:s, s:s, s:[s]}], s:s, s:s}", "resourceType",
                  "Patient", "identifier", "use", "official", "system", S_SSIN, "value", m->insz,
                  "name", "use", "official", "family", m->family_name, "given", m->given_name,
                  "gender", gender, "birthDate", m->date_of_birth);
    if (m->address)
        json_object_set_new(pat, "address",
                            json_pack("[{s:[s], s:s, s:s, s:s}]", "line", m->address, "postalCode",
                                      m->postal_code ? m->postal_code : "", "city",
                                      m->city ? m->city : "", "country", "BE"));
    char gp_url[64] = "";
    if (m->gp_family_name) {
        json_t *gp = s_practitioner(m->gp_family_name, m->gp_given_name, m->gp_riziv);
        s_add(c, gp, gp_url);
        json_object_set_new(pat, "generalPractitioner", json_pack("[o]", s_ref(gp_url)));
    }
    s_add(c, pat, c->patient_ref);
}

/* The site's physician as a Practitioner; doc_url "" when none. */
static void
s_physician(s_ctx_t *c, const rpt_model_t *m, char doc_url[64])
{
    doc_url[0] = '\0';
    if (!m->physician_name)
        return;
    json_t *doc = json_pack("{s:s, s:[{s:s}]}", "resourceType", "Practitioner", "name", "text",
                            m->physician_name);
    if (m->physician_riziv)
        json_object_set_new(
            doc, "identifier",
            json_pack("[{s:s, s:s}]", "system", S_NIHDI, "value", m->physician_riziv));
    s_add(c, doc, doc_url);
}

/* The device values of one direction, one Observation per value and time
 * point. */
static void
s_direction_observations(s_ctx_t *c, const rpt_model_t *m, const rpt_direction_t *x)
{
    static const struct {
        const char *measure, *title, *unit, *ucum;
    } kinds[] = {
        {"max_torque", "Maximal isometric torque", "N·m", "N.m"},
        {"rom", "Range of motion", "°", "deg"},
        {"effort_cv", "Effort check (CV of trials)", "%", "%"},
        {"rom_pct_of_reference", "Range of motion as % of reference", "%", "%"},
        {"pct_of_reference", "Torque as % of reference", "%", "%"},
    };
    const rpt_tp3_t *values[] = {&x->torque_nm, &x->rom_deg, &x->cv_pct, &x->rom_pct_ref,
                                 &x->pct_ref};
    const char *dn = rl_direction_name(x->dir);
    for (int tp = 0; tp < RPT_NTP; tp++) {
        const char *date = m->occasion[tp].present ? m->occasion[tp].date : NULL;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            char *title = rl_asprintf("%s, %s (%s)", kinds[k].title, dn, rpt_tp_name(tp));
            s_observation(c, kinds[k].measure, dn, tp, date, title, values[k]->v[tp], kinds[k].unit,
                          kinds[k].ucum, "exam", NULL);
            free(title);
        }
    }
}

/* The flexion/extension ratio and the asymmetries per time point. */
static void
s_balance_observations(s_ctx_t *c, const rpt_model_t *m)
{
    rpt_tp3_t ratio, asym_lf, asym_rot;
    rpt_balance(m, &ratio, &asym_lf, &asym_rot);
    for (int tp = 0; tp < RPT_NTP; tp++) {
        const char *date = m->occasion[tp].present ? m->occasion[tp].date : NULL;
        s_observation(c, "flexion_extension_ratio", NULL, tp, date,
                      "Flexion/extension torque ratio", ratio.v[tp], "ratio", "1", "exam", NULL);
        s_observation(c, "asymmetry", "lateral_flexion", tp, date,
                      "Left/right torque asymmetry, lateral flexion", asym_lf.v[tp], "%", "%",
                      "exam", NULL);
        s_observation(c, "asymmetry", "rotation", tp, date, "Left/right torque asymmetry, rotation",
                      asym_rot.v[tp], "%", "%", "exam", NULL);
    }
}

/* The DiagnosticReport with the letter attached (base64), issued at
 * issued; NULL when it cannot be built. */
static json_t *
s_report(const s_ctx_t *c, const rpt_model_t *m, const unsigned char *pdf, size_t pdf_len, bool nl,
         const char *issued)
{
    size_t b64_len = sodium_base64_encoded_len(pdf_len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = rl_malloc(b64_len);
    sodium_bin2base64(b64, b64_len, pdf, pdf_len, sodium_base64_VARIANT_ORIGINAL);
    json_t *period = json_pack("{s:s}", "start", m->start_date);
    if (m->end_date)
        json_object_set_new(period, "end", json_string(m->end_date));
    char eid_text[32];
    snprintf(eid_text, sizeof eid_text, "%lld", m->enrolment_id);
    char *pdf_title =
        rl_asprintf("%s-%lld.pdf", nl ? "eindverslag" : "final-report", m->enrolment_id);
    json_t *report = json_pack(
        "{s:s, s:[{s:s, s:s}], s:s, s:{s:s}, s:o, s:o, s:s, s:o, s:[{s:s, s:s, s:s, s:s, s:s}]}",
        "resourceType", "DiagnosticReport", "identifier", "system", "urn:ruglab:enrolment", "value",
        eid_text, "status", c->draft ? "preliminary" : "final", "code", "text",
        nl ? "Eindverslag multidisciplinaire rugrevalidatie"
           : "Final report: multidisciplinary back rehabilitation",
        "subject", s_ref(c->patient_ref), "effectivePeriod", period, "issued", issued, "result",
        c->results, "presentedForm", "contentType", "application/pdf", "language",
        nl ? "nl-BE" : "en", "data", b64, "title", pdf_title, "creation", issued);
    free(pdf_title);
    free(b64);
    return report;
}

json_t *
rpt_fhir_bundle(const rpt_model_t *m, const unsigned char *pdf, size_t pdf_len, const char *lang,
                bool draft, rl_err_t *err)
{
    s_ctx_t c = {json_array(), json_array(), "", m->enrolment_id, draft, m->body_region};
    s_patient(&c, m);
    char doc_url[64];
    s_physician(&c, m, doc_url);
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++)
        if (m->dirs[k].measured)
            s_direction_observations(&c, m, &m->dirs[k]);
    s_balance_observations(&c, m);
    for (int i = 0; i < m->n_quest; i++)
        for (int tp = 0; tp < RPT_NTP; tp++)
            if (m->quest[i].at[tp].present)
                s_questionnaire_response(&c, &m->quest[i], tp);

    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char issued[32];
    strftime(issued, sizeof issued, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *report = s_report(&c, m, pdf, pdf_len, strcmp(lang, "en") != 0, issued);
    if (!report) {
        json_decref(c.entries);
        rl_err_set(err, "building the FHIR DiagnosticReport failed");
        return NULL;
    }
    if (m->conclusion && m->advice) { /* the advice under its heading, as in the letter */
        char *text = rl_asprintf("%s\n\n%s:\n%s", m->conclusion,
                                 strcmp(lang, "en") ? "Advies" : "Advice", m->advice);
        json_object_set_new(report, "conclusion", json_string(text));
        free(text);
    } else if (m->conclusion) {
        json_object_set_new(report, "conclusion", json_string(m->conclusion));
    }
    if (doc_url[0])
        json_object_set_new(report, "resultsInterpreter", json_pack("[o]", s_ref(doc_url)));
    char rep_url[64];
    s_add(&c, report, rep_url);

    char bundle_id[64];
    s_uuid(bundle_id);
    json_t *bundle = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:o}", "resourceType", "Bundle",
                               "id", bundle_id + strlen("urn:uuid:"), "identifier", "system",
                               "urn:ietf:rfc:3986", "value", bundle_id, "type", "collection",
                               "timestamp", issued, "entry", c.entries);
    if (!bundle)
        rl_err_set(err, "building the FHIR Bundle failed");
    return bundle;
}

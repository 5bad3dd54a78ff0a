# The exercise catalogue (issue 17, seed 004): `ruglab db migrate` loads the
# default catalogue; list and show in Dutch and English; a bad file is
# refused with a message naming the file, exercise and field, and changes
# nothing; a site's own file updates and extends (codes stable), --replace
# retires what it leaves out; who may read and write the tables.
. "$(dirname "$0")/lib.sh"

t_pg_start
n_default=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["exercises"]))' \
  "$T_ROOT/deploy/exercises/catalogue.json")
q() { t_psql ruglab_admin "$1"; }

# --- the default catalogue, loaded by the migration run of t_pg_start
t_match "db migrate said it loaded the default catalogue" "$(cat "$T_TMP/migrate.log")" \
  "exercise catalogue loaded from catalogue.json: $n_default exercises \($n_default added, 0 updated, 0 unchanged\), 0 retired"
t_is "every exercise of the default file is in the table" "$(q 'SELECT count(*) FROM clinical.exercise WHERE NOT retired')" "$n_default"
t_is "every exercise has steps and names in both languages" \
  "$(q "SELECT count(*) FROM clinical.exercise WHERE cardinality(steps_nl) >= 1 AND cardinality(steps_en) = cardinality(steps_nl) AND name_nl <> name_en")" "$n_default"
t_is "the plank has its three variants, one easier" \
  "$(q "SELECT string_agg(v.code || ':' || v.level, ' ' ORDER BY v.position) FROM clinical.exercise_variant v JOIN clinical.exercise e USING (exercise_id) WHERE e.code = 'PLANK'")" \
  "knees:-1 leg-up:1 slider:2"
out=$(ruglab db migrate 2>&1); rc=$?
t_is "a second migrate exits 0" "$rc" 0
t_is "a second migrate says only that it is up to date (the catalogue is not empty)" "$out" \
  "database is up to date (nothing to apply)"

# --- list and show, both languages
out=$(ruglab exercise list); rc=$?
t_is "exercise list exits 0" "$rc" 0
t_is "exercise list: a header and one line per exercise" "$(printf '%s\n' "$out" | wc -l)" $((n_default + 1))
t_match "exercise list is Dutch by default" "$out" $'\nPLANK +Plank op de onderarmen \\(3\\)'
out=$(ruglab exercise list --lang en)
t_match "exercise list --lang en names them in English" "$out" $'\nPLANK +Forearm plank \\(3\\)'
t_match "the list keeps the file's order" "$(printf '%s\n' "$out" | sed -n '2p;3p' | cut -d' ' -f1 | tr '\n' ' ')" "^PLANK BIRD-DOG $"
out=$(ruglab --json exercise list --lang en)
t_is "exercise list --json" "$(jq -r '.[0] | "\(.code) \(.name) \(.variants) \(.retired)"' <<<"$out")" "PLANK Forearm plank 3 false"
t_is "exercise list --json: every exercise" "$(jq length <<<"$out")" "$n_default"

out=$(ruglab exercise show BIRD-DOG); rc=$?
t_is "exercise show exits 0" "$rc" 0
t_match "show (nl): the steps in order, in Dutch" "$out" $'Uitvoering:\n  1\\. Zet je op handen en knieën\\.\n  2\\. '
t_match "show (nl): variants with their level" "$out" $'Varianten:\n  weight +moeilijker +\\+1  Hou een klein gewicht in de hand\\.'
t_match "show (nl): points of attention" "$out" $'Aandachtspunten:\n  - Hou je rug neutraal\\.'
out=$(ruglab exercise show SLING-BRIDGE --lang en)
t_match "show (en): steps in English" "$out" $'How to do it:\n  1\\. Lie on your back with your feet in the slings\\.'
t_match "show (en): an easier variant" "$out" "knees +easier +-1  Put the slings at the height of your knees\\."
t_match "show (en): points of attention in English" "$out" $'Points of attention:\n  - Keep your pelvis parallel to the floor\\.'
out=$(ruglab --json exercise show PLANK)
t_is "show --json gives the file's format (both languages)" \
  "$(jq -c '{code, n: .name.nl, e: .name.en, s: (.steps.en | length), v: .variants[0]}' <<<"$out")" \
  '{"code":"PLANK","n":"Plank op de onderarmen","e":"Forearm plank","s":2,"v":{"code":"knees","level":-1,"nl":"Rust op je knieën in plaats van op je tenen.","en":"Rest on your knees instead of your toes."}}'
t_fails_with "show of an unknown code: exit 1 and says so" "no exercise 'NOPE' in the catalogue" ruglab exercise show NOPE
out=$(ruglab exercise show NOPE 2>&1); t_is "show of an unknown code: exit status 1" "$?" 1
out=$(ruglab exercise list --lang fr 2>&1); rc=$?
t_is "an unknown language is a usage error (2)" "$rc" 2
t_match "and says which languages there are" "$out" "--lang: language 'fr' is not nl or en"

# --- a bad file: refused, with the file, the exercise and the field; nothing changed
snapshot() { q "SELECT md5(string_agg(e::text || coalesce(v::text, ''), '|' ORDER BY e.code, v.code)) FROM clinical.exercise e LEFT JOIN clinical.exercise_variant v USING (exercise_id)"; }
before=$(snapshot)
# a good first exercise (an update that must not land), then a bad second one
jq '.exercises |= [(.[0] | .name.en = "CHANGED"), (.[1] | .steps.en |= .[0:1])]' \
  "$T_ROOT/deploy/exercises/catalogue.json" >"$T_TMP/bad-count.json"
out=$(ruglab exercise load "$T_TMP/bad-count.json" 2>&1); rc=$?
t_is "a file whose English steps miss one: exit 1" "$rc" 1
t_is "the message names the file, the exercise and the field" "$out" \
  "ruglab: exercise load: $T_TMP/bad-count.json: exercise 2 (BIRD-DOG): steps.en: has 1 texts but steps.nl has 3: each text in both languages"
t_is "nothing changed (not even the good exercise before it)" "$(snapshot)" "$before"
jq '.exercises[3].variants[1].level = 0' "$T_ROOT/deploy/exercises/catalogue.json" >"$T_TMP/bad-level.json"
t_fails_with "a variant of level 0 is refused, naming it" \
  "exercise 4 \(BALL-SIT-KNEE\): variants\[2\]\.level: 0 is not -3\.\.-1 \(easier\) or 1\.\.3 \(harder\)" \
  ruglab exercise load "$T_TMP/bad-level.json"
jq '.exercises[5].code = "PLANK"' "$T_ROOT/deploy/exercises/catalogue.json" >"$T_TMP/bad-dup.json"
t_fails_with "a code used twice is refused" "exercise 6 \(PLANK\): code: 'PLANK' is already the code of exercise 1" \
  ruglab exercise load "$T_TMP/bad-dup.json"
printf '{"format": "ruglab-exercises 1",\n "exercises": [\n  {"code": "X",}\n]}\n' >"$T_TMP/bad-syntax.json"
t_fails_with "broken JSON is refused with its line and column" "bad-syntax\.json:3:[0-9]+: not valid JSON" \
  ruglab exercise load "$T_TMP/bad-syntax.json"
t_fails_with "a missing file is refused, naming it" "cannot read $T_TMP/none\.json: No such file" \
  ruglab exercise load "$T_TMP/none.json"
t_is "after every refusal, the catalogue is as it was" "$(snapshot)" "$before"

# --- the same file again: nothing changes
out=$(ruglab exercise load --default); rc=$?
t_is "reloading the default exits 0" "$rc" 0
t_match "reloading the default changes nothing" "$out" "\($n_default exercises \(0 added, 0 updated, $n_default unchanged\), 0 retired$|0 added, 0 updated, $n_default unchanged\), 0 retired$"
t_is "and the rows are the same" "$(snapshot)" "$before"

# --- a site's own file: updates one exercise, adds one, keeps the codes
plank_id=$(q "SELECT exercise_id FROM clinical.exercise WHERE code = 'PLANK'")
knees_id=$(q "SELECT variant_id FROM clinical.exercise_variant WHERE code = 'knees' AND exercise_id = $plank_id")
cat >"$T_TMP/site.json" <<'EOF'
{
  "format": "ruglab-exercises 1",
  "exercises": [
    {
      "code": "PLANK",
      "name": {"nl": "Plank (onze versie)", "en": "Plank (our version)"},
      "steps": {"nl": ["Steun op onderarmen en tenen.", "Hou 20 tellen vast."],
                "en": ["Rest on forearms and toes.", "Hold for 20 counts."]},
      "variants": [
        {"code": "knees", "level": -1, "nl": "Op de knieën.", "en": "On your knees."},
        {"code": "wall", "level": -2, "nl": "Tegen de muur, staand.", "en": "Standing, against a wall."}
      ]
    },
    {
      "code": "WALL-SIT",
      "name": {"nl": "Zitten tegen de muur", "en": "Wall sit"},
      "steps": {"nl": ["Leun met je rug tegen de muur en zak tot je knieën gebogen zijn."],
                "en": ["Lean your back against the wall and slide down until your knees are bent."]},
      "attention": {"nl": ["Je knieën blijven boven je voeten."], "en": ["Your knees stay above your feet."]}
    }
  ]
}
EOF
out=$(ruglab exercise load "$T_TMP/site.json"); rc=$?
t_is "a site's own file loads: exit 0" "$rc" 0
t_is "it says what changed" "$out" "exercise catalogue loaded from site.json: 2 exercises (1 added, 1 updated, 0 unchanged), 0 retired"
t_is "the other exercises are kept (extends)" "$(q 'SELECT count(*) FROM clinical.exercise WHERE NOT retired')" $((n_default + 1))
t_is "the updated exercise kept its id (code stable)" "$(q "SELECT exercise_id FROM clinical.exercise WHERE code = 'PLANK'")" "$plank_id"
t_is "the kept variant kept its id" "$(q "SELECT variant_id FROM clinical.exercise_variant WHERE code = 'knees' AND exercise_id = $plank_id")" "$knees_id"
t_is "the variants the file left out are retired, not deleted" \
  "$(q "SELECT string_agg(code || ':' || retired, ' ' ORDER BY code) FROM clinical.exercise_variant WHERE exercise_id = $plank_id")" \
  "knees:false leg-up:true slider:true wall:false"
t_is "the exercise records the file it came from" "$(q "SELECT source FROM clinical.exercise WHERE code = 'PLANK'")" "site.json"
out=$(ruglab exercise show PLANK --lang en)
t_match "show gives the site's text" "$out" $'PLANK  Plank \\(our version\\)\n\nHow to do it:\n  1\\. Rest on forearms and toes\\.'
t_match "show lists the current variants only" "$(grep -c 'slider\|leg-up' <<<"$out")" "^0$"
t_match "show lists the new variant" "$out" "wall +easier +-2  Standing, against a wall\\."
t_match "a new exercise goes to the end of the list" "$(ruglab exercise list --lang en | tail -1)" "^WALL-SIT +Wall sit \(0\)$"

# --- --replace: the file is the whole catalogue; the rest is retired, not deleted
out=$(ruglab exercise load "$T_TMP/site.json" --replace); rc=$?
t_is "load --replace exits 0" "$rc" 0
# with --replace the file's order is the list's: WALL-SIT moves up (updated)
t_is "load --replace retires what the file leaves out" "$out" \
  "exercise catalogue loaded from site.json: 2 exercises (0 added, 1 updated, 1 unchanged), $((n_default - 1)) retired"
t_is "list shows the two left" "$(ruglab exercise list | tail -n +2 | cut -d' ' -f1 | tr '\n' ' ')" "PLANK WALL-SIT "
t_is "nothing was deleted" "$(q 'SELECT count(*) FROM clinical.exercise')" $((n_default + 1))
t_match "list --all shows the retired ones, marked" "$(ruglab exercise list --all --lang en)" "BIRD-DOG +.*\[retired\]"
t_match "show still finds a retired exercise, marked" "$(ruglab exercise show BIRD-DOG --lang en)" "^BIRD-DOG  .*\[retired\]"
out=$(ruglab exercise load --default --replace); rc=$?
t_is "the default again with --replace: exit 0" "$rc" 0
t_match "brings the retired ones back and retires the site's own" "$out" \
  "$n_default exercises \($((n_default - 1)) added|$n_default exercises \(0 added, $n_default updated, 0 unchanged\), 1 retired"
t_is "the plank is the default's again, same id" \
  "$(q "SELECT exercise_id || ' ' || name_en || ' ' || retired FROM clinical.exercise WHERE code = 'PLANK'")" "$plank_id Forearm plank false"
t_is "its default variants are back, the site's one retired" \
  "$(q "SELECT string_agg(code || ':' || retired, ' ' ORDER BY code) FROM clinical.exercise_variant WHERE exercise_id = $plank_id")" \
  "knees:false leg-up:false slider:false wall:true"
t_is "the list is the default's, in its order" "$(ruglab exercise list | tail -n +2 | head -2 | cut -d' ' -f1 | tr '\n' ' ')" "PLANK BIRD-DOG "

# --- the shared module reads the catalogue with the clinician's rights (the
# web and the handout will), and refuses to write with them
out=$(ruglab --db "$RUGLAB_DB user=ruglab_clinician" exercise show BRIDGE --lang en 2>&1); rc=$?
t_is "exercise show as ruglab_clinician exits 0" "$rc" 0
t_match "and shows the exercise" "$out" "^BRIDGE  Bridge lying on your back"
out=$(ruglab --db "$RUGLAB_DB user=ruglab_clinician" exercise load "$T_TMP/site.json" 2>&1); rc=$?
t_is "exercise load as ruglab_clinician is refused (exit 1)" "$rc" 1
t_match "by the database, naming the file" "$out" "site\.json: .*permission denied"
t_is "and nothing changed" "$(q "SELECT count(*) FROM clinical.exercise WHERE code = 'PLANK' AND name_en = 'Forearm plank'")" 1

# --- usage
out=$(ruglab exercise load 2>&1); rc=$?
t_is "load without a file: usage error (2)" "$rc" 2
t_match "and says what to give" "$out" "give the catalogue FILE or --default"

# --- who may read and write (least privilege)
t_check "the clinician role reads the catalogue" t_psql ruglab_clinician "SELECT count(*) FROM clinical.exercise, clinical.exercise_variant"
t_check "the secretariat reads the catalogue" t_psql ruglab_secretariat "SELECT count(*) FROM clinical.exercise, clinical.exercise_variant"
t_fails_with "the clinician role cannot change it" "permission denied" t_psql ruglab_clinician "UPDATE clinical.exercise SET name_en = 'x'"
t_fails_with "the secretariat cannot change it" "permission denied" t_psql ruglab_secretariat "DELETE FROM clinical.exercise_variant"
t_fails_with "the quality role cannot read it" "permission denied" t_psql ruglab_quality "SELECT * FROM clinical.exercise"
t_fails_with "the collector cannot read it" "permission denied" t_psql ruglab_collector "SELECT * FROM clinical.exercise"
t_fails_with "the web's sign-in role cannot read it" "permission denied" t_psql ruglab_web "SELECT * FROM clinical.exercise"

t_done

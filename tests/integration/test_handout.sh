# ruglab-report handout: the patient's handout of the home programme
# (issue 17) as an A4 PDF, and what the final report says of it. A home
# programme given through `ruglab homeprog` (a variant, a hold time,
# repetitions and sets; one changed in variant and dose, one stopped, one
# exercise of a site's own catalogue with long steps that run over a page);
# the handout in Dutch (the default) and English: the names, steps,
# variants and doses as changed, the points of attention, the site's
# contact, the stopped exercise left out, large type, the read of identity
# audited; an exercise retired since it was given stays on it (with a
# note); an enrolment without a home programme fails with nothing written;
# the letter's advice names the programme (nothing when there is none); a
# cervical programme's letter is titled neck school (by the programme's
# body region, not its code); the compare JSON carries it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"

t_pg_start
fx_site
full=$(fx_full Janssens Marie 85073003328 RB-0001)
fx_conclusion "$full" "Goede evolutie."
cd "$T_TMP" || exit 1
q() { t_psql ruglab_admin "$1"; }
# the catalogue's text of an exercise (COLUMN CODE) or of a variant (COLUMN EXERCISE VARIANT)
ex() { q "SELECT $1 FROM clinical.exercise WHERE code = '$2'"; }
var() { q "SELECT v.$1 FROM clinical.exercise_variant v JOIN clinical.exercise x USING (exercise_id) WHERE x.code = '$2' AND v.code = '$3'"; }
# flat FILE [FIRST LAST]: the PDF's text (pages FIRST..LAST) on one line; a
# word broken after its hyphen at a line's end is joined again
flat() {
  if [ $# -gt 1 ]; then pdftotext -layout -f "$2" -l "$3" "$1" -; else pdftotext -layout "$1" -; fi |
    tr -s ' \n' ' ' | perl -CSD -pe 's/(\p{L})- (?=\p{L})/$1-/g'
}
# has DESC TEXT LITERAL / lacks DESC TEXT LITERAL: a fixed string in the text, or not
has() { if [[ "$2" == *"$3"* ]]; then t_ok "$1"; else t_not_ok "$1" "text: '${2:0:3000}'" "wanted: '$3'"; fi; }
lacks() { if [[ "$2" != *"$3"* ]]; then t_ok "$1"; else t_not_ok "$1" "found: '$3'"; fi; }

# --- a site's own exercise with twelve long steps (over a page at 14 pt)
long_step() { printf 'Stap %d van de lange oefening: %seinde van stap %d.' "$1" "$(printf 'beweeg rustig en gecontroleerd, adem door en hou je rug neutraal terwijl je telt;%.0s ' 1 2 3 4)" "$1"; }
long_step_en() { printf 'Step %d of the long exercise: %send of step %d.' "$1" "$(printf 'move slowly and with control, keep breathing and keep your back neutral while you count;%.0s ' 1 2 3)" "$1"; }
steps_nl=$(for i in $(seq 1 12); do long_step "$i"; echo; done | jq -R . | jq -sc .)
steps_en=$(for i in $(seq 1 12); do long_step_en "$i"; echo; done | jq -R . | jq -sc .)
jq -n --argjson nl "$steps_nl" --argjson en "$steps_en" '{format: "ruglab-exercises 1", exercises: [
  {code: "LONG-WALK", name: {nl: "Lange oefening van de site", en: "The site'"'"'s long exercise"},
   steps: {nl: $nl, en: $en},
   attention: {nl: ["Stop als het pijn doet."], en: ["Stop when it hurts."]}}]}' >site.json
t_check "a site's own exercise loaded (no --replace: the default catalogue stays)" ruglab exercise load site.json
t_is "the long steps are near the limit of 400 bytes" "$(q "SELECT min(octet_length(s)) > 300 FROM clinical.exercise, unnest(steps_nl) s WHERE code = 'LONG-WALK'")" t

# --- the home programme: assign four and the long one, change two, stop one
t_check "PLANK assigned: variant knees, hold 20 s, 5 a week" ruglab homeprog assign RB-0001 --exercise PLANK --variant knees --hold 20 --per-week 5
t_check "BIRD-DOG assigned: 2 x 8, 3 a week" ruglab homeprog assign RB-0001 --exercise BIRD-DOG --reps 8 --sets 2 --per-week 3
t_check "SQUAT assigned: 3 x 12, as described" ruglab homeprog assign RB-0001 --exercise SQUAT --reps 12 --sets 3 --per-week 4
t_check "BRIDGE assigned" ruglab homeprog assign RB-0001 --exercise BRIDGE --reps 15 --sets 2 --per-week 3
t_check "LONG-WALK assigned" ruglab homeprog assign RB-0001 --exercise LONG-WALK --reps 5 --sets 1 --per-week 1
t_check "PLANK changed: harder variant leg-up, hold 40 s, 4 a week" ruglab homeprog change RB-0001 --exercise PLANK --variant leg-up --hold 40 --per-week 4
t_check "BIRD-DOG changed: variant weight, 3 x 10, twice a week" ruglab homeprog change RB-0001 --exercise BIRD-DOG --variant weight --reps 10 --sets 3 --per-week 2
t_check "BRIDGE stopped" ruglab homeprog stop RB-0001 --exercise BRIDGE

# --- the Dutch handout (the default: no patient language is recorded)
out=$(ruglab-report handout RB-0001 -o nl.pdf 2>&1); rc=$?
t_is "handout exits 0" "$rc" 0
t_is "handout prints the file it wrote" "$out" nl.pdf
t_match "pdfinfo: A4" "$(pdfinfo nl.pdf 2>&1)" "Page size: +595\.276 x 841\.89 pts \(A4\)"
fonts=$(pdffonts nl.pdf | tail -n +3)
t_match "pdffonts: DejaVu" "$fonts" "DejaVuSans"
t_is "pdffonts: every font embedded" "$(awk '{ if ($(NF-4) != "yes") bad++ } END { print bad + 0 }' <<<"$fonts")" 0
# heads LANG TEXT TITLE FOR PROGRAMME: the title, the patient, the programme
# (its name in LANG), each exercise's name and PLANK's first step in LANG
heads() {
  local lang=$1 text=$2 code col=name
  [ "$lang" = en ] && col=name_en
  has "$lang: the title" "$text" "$3"
  has "$lang: the patient's name" "$text" "$4 Marie Janssens"
  has "$lang: the programme" "$text" "$5 $(q "SELECT $col FROM clinical.programme WHERE programme_id = 1")"
  for code in PLANK BIRD-DOG SQUAT LONG-WALK; do
    has "$lang: $code's name" "$text" "$(ex "name_$lang" "$code")"
  done
  has "$lang: PLANK's first step" "$text" "1. $(ex "steps_$lang[1]" PLANK)"
}
nl=$(flat nl.pdf)
heads nl "$nl" "Mijn oefeningen voor thuis" "Voor:" "Programma:"
has "nl: PLANK's second step" "$nl" "2. $(ex 'steps_nl[2]' PLANK)"
has "nl: PLANK's variant as changed (leg-up, harder)" "$nl" "Variant: moeilijker — $(var text_nl PLANK leg-up)"
lacks "nl: not PLANK's former variant (knees)" "$nl" "$(var text_nl PLANK knees)"
has "nl: PLANK's dose as changed" "$nl" "Hoeveel: 40 seconden volhouden, 4 keer per week"
lacks "nl: not PLANK's former hold" "$nl" "20 seconden"
has "nl: BIRD-DOG's variant (weight)" "$nl" "Variant: moeilijker — $(var text_nl BIRD-DOG weight)"
has "nl: BIRD-DOG's dose as changed" "$nl" "Hoeveel: 3 reeksen van 10 herhalingen, 2 keer per week"
lacks "nl: not BIRD-DOG's former dose" "$nl" "8 herhalingen"
has "nl: SQUAT as described" "$nl" "$(ex 'steps_nl[1]' SQUAT)"
t_match "nl: SQUAT's variant and dose" "$nl" "Variant: zoals beschreven Hoeveel: 3 reeksen van 12 herhalingen, 4 keer per week"
has "nl: one set of five" "$nl" "Hoeveel: 1 reeks van 5 herhalingen, 1 keer per week"
has "nl: PLANK's points of attention" "$nl" "Let op • $(ex 'attention_nl[1]' PLANK) • $(ex 'attention_nl[2]' PLANK)"
has "nl: SQUAT's points of attention" "$nl" "$(ex 'attention_nl[1]' SQUAT)"
lacks "nl: the stopped exercise (BRIDGE) left out" "$nl" "$(ex name_nl BRIDGE)"
has "nl: the site's contact" "$nl" "Vragen? Neem contact op AZ Sint-Jan Brugge Ruddershove 10, 8000 Brugge Dr. Els Vermeulen, revalidatiearts"
lacks "nl: no English label" "$nl" "How to do it"
lacks "nl: no English exercise name" "$nl" "$(ex name_en PLANK)"
if [[ "$nl" == *"1. $(ex name_nl PLANK) "*"2. $(ex name_nl BIRD-DOG) "*"3. $(ex name_nl SQUAT) "*"4. $(ex name_nl LONG-WALK) "* ]]; then
  t_ok "nl: the exercises in catalogue order, numbered"
else
  t_not_ok "nl: the exercises in catalogue order, numbered" "text: '${nl:0:3000}'"
fi
t_match "nl: the footer names the patient and the page" "$nl" "thuisoefeningen van Marie Janssens — pagina 2"
t_is "nl: the handout's read of identity is in the access log" \
  "$(q "SELECT count(*) FROM audit.access_log WHERE program = 'ruglab-report' AND command = 'handout' AND detail = 'enrolment $full'")" 1
t_is "nl: no INSZ on the handout" "$(grep -c '85\.07\.30\|85073003328' <<<"$nl")" 0

# large type: every word above the footer is at least 14 pt high (pdftotext's boxes)
small=$(pdftotext -bbox nl.pdf - | awk -F'"' '/<word/ { h = $8 - $4; if ($4 < 780 && h < 14) n++ } END { print n + 0 }')
words=$(pdftotext -bbox nl.pdf - | grep -c '<word')
t_match "nl: the text has words (bbox)" "$words" "^[0-9]{3,}$"
t_is "nl: no word of the body smaller than 14 pt" "$small" 0

# long steps wrap and break between steps, never inside one
pages=$(pdfinfo nl.pdf | awk '/^Pages:/ { print $2 }')
t_match "nl: the handout runs over several pages" "$pages" "^[3-9]$"
whole=0 first=0 last=0
for i in $(seq 1 12); do
  step=$(long_step "$i")
  for p in $(seq 1 "$pages"); do
    if [[ "$(flat nl.pdf "$p" "$p")" == *"$i. $step"* ]]; then
      whole=$((whole + 1))
      [ "$i" = 1 ] && first=$p
      [ "$i" = 12 ] && last=$p
    fi
  done
done
t_is "nl: each of the 12 long steps whole on one page" "$whole" 12
t_is "nl: the long exercise runs over three pages" "$((last - first))" 2
has "nl: its name heads the page its first step is on" "$(flat nl.pdf "$first" "$first")" "4. $(ex name_nl LONG-WALK) Zo doe je het 1. Stap 1 "
for p in $((first + 1)) "$last"; do
  t_match "nl: page $p starts with the exercise's name, continued" "$(flat nl.pdf "$p" "$p")" "^ ?4\. $(ex name_nl LONG-WALK) \(vervolg\) [0-9]+\. Stap "
done
t_is "nl: said continued only on those pages" "$(grep -o '(vervolg)' <<<"$nl" | wc -l)" 2

KEEP_PNG=$T_TMP/png
mkdir -p "$KEEP_PNG"
t_check "nl: the pages render (pdftoppm)" pdftoppm -r 50 -png nl.pdf "$KEEP_PNG/nl"

# --- English
out=$(ruglab-report handout RB-0001 --lang en -o en.pdf 2>&1); rc=$?
t_is "handout --lang en exits 0" "$rc" 0
en=$(flat en.pdf)
heads en "$en" "My exercises at home" "For:" "Programme:"
has "en: PLANK's variant as changed" "$en" "Variant: harder — $(var text_en PLANK leg-up)"
has "en: PLANK's dose" "$en" "How much: hold for 40 seconds, 4 times a week"
has "en: BIRD-DOG's dose" "$en" "How much: 3 sets of 10 repetitions, twice a week"
has "en: SQUAT as described" "$en" "Variant: as described How much: 3 sets of 12 repetitions, 4 times a week"
has "en: once a week" "$en" "1 set of 5 repetitions, once a week"
has "en: points of attention" "$en" "Pay attention to • $(ex 'attention_en[1]' PLANK)"
lacks "en: BRIDGE left out" "$en" "$(ex name_en BRIDGE)"
has "en: the contact" "$en" "Questions? Contact us AZ Sint-Jan Brugge Ruddershove 10, 8000 Brugge Dr. Els Vermeulen, rehabilitation physician"
lacks "en: no Dutch label" "$en" "Zo doe je het"
lacks "en: no Dutch exercise name" "$en" "$(ex name_nl PLANK)"

# --- the default file name; refusals
out=$(ruglab-report handout RB-0001 --enrolment "$full" 2>&1); rc=$?
t_is "handout without -o exits 0" "$rc" 0
t_is "the default name: subject, enrolment, language" "$out" "thuisoefeningen-1-$full-nl.pdf"
t_match "the default file is a PDF" "$(file "thuisoefeningen-1-$full-nl.pdf")" "PDF document"
none=$(fx_patient Peeters Jan 90020200175 RB-0002)
out=$(ruglab-report handout RB-0002 -o none.pdf 2>&1); rc=$?
t_is "no home programme: exit 1" "$rc" 1
t_is "no home programme: the message" "$out" \
  "ruglab-report: handout: enrolment $none of patient 2 has no home programme: nothing to print (give exercises with ruglab homeprog assign)"
t_fails "no home programme: no file written" test -e none.pdf
out=$(ruglab-report handout RB-9999 -o x.pdf 2>&1); rc=$?
t_is "an unknown patient: exit 1" "$rc" 1
t_match "an unknown patient: the message" "$out" "^ruglab-report: handout: no patient with that badge token"
out=$(ruglab-report handout RB-0001 --enrolment 999 -o x.pdf 2>&1); rc=$?
t_is "an enrolment not the patient's: exit 1" "$rc" 1
t_match "an enrolment not the patient's: the message" "$out" "has no enrolment 999"
out=$(ruglab-report handout RB-0001 --lang fr -o x.pdf 2>&1); rc=$?
t_is "an unknown language: exit 2" "$rc" 2
t_match "an unknown language: the message" "$out" "handout: unknown language 'fr' \(nl, en\)"
out=$(ruglab-report handout -o x.pdf 2>&1); rc=$?
t_is "no PATIENT: exit 2" "$rc" 2
t_fails "nothing written by the refusals" test -e x.pdf
out=$(ruglab-report handout RB-0001 -o /nonexistent/dir/h.pdf 2>&1); rc=$?
t_is "an unwritable path: exit 1" "$rc" 1
t_match "an unwritable path: the message" "$out" "/nonexistent/dir/h.pdf"

# --- an exercise retired from the catalogue since it was given stays on the handout
t_check "SQUAT retired (as a load --replace would)" q "UPDATE clinical.exercise SET retired = true WHERE code = 'SQUAT'"
ruglab-report handout RB-0001 -o retired.pdf >retired.out 2>retired.err; rc=$?
t_is "with a retired exercise: exit 0" "$rc" 0
t_is "with a retired exercise: a note on stderr" "$(cat retired.err)" \
  "ruglab-report: handout: note: SQUAT is retired from the catalogue; it stays in the home programme until it is changed or stopped (ruglab homeprog)"
has "the retired exercise is still on the handout" "$(flat retired.pdf)" "3. $(ex name_nl SQUAT)"
t_check "SQUAT back in the catalogue" q "UPDATE clinical.exercise SET retired = false WHERE code = 'SQUAT'"

# --- the letter's advice names the home programme
t_check "letter (nl)" ruglab-report letter RB-0001 -o letter-nl.pdf
letter=$(flat letter-nl.pdf)
has "letter nl: the home programme in the conclusion and advice" "$letter" \
  "Goede evolutie. Thuisprogramma: $(ex name_nl PLANK) (moeilijker variant: til één been van de grond), 40 seconden volhouden, 4 keer per week; $(ex name_nl BIRD-DOG) (moeilijker variant: hou een klein gewicht in de hand), 3 reeksen van 10 herhalingen, 2 keer per week; $(ex name_nl SQUAT) (zoals beschreven), 3 reeksen van 12 herhalingen, 4 keer per week; $(ex name_nl LONG-WALK) (zoals beschreven), 1 reeks van 5 herhalingen, 1 keer per week."
lacks "letter nl: the stopped exercise not named" "$letter" "$(ex name_nl BRIDGE)"
has "letter nl: a back programme's title" "$letter" "Eindverslag multidisciplinaire rugrevalidatie"
t_check "letter (en)" ruglab-report letter RB-0001 --lang en -o letter-en.pdf
has "letter en: the home programme" "$(flat letter-en.pdf)" \
  "Home programme: $(ex name_en PLANK) (harder variant: lift one leg off the floor), hold for 40 seconds, 4 times a week; $(ex name_en BIRD-DOG) (harder variant: hold a small weight in your hand), 3 sets of 10 repetitions, twice a week;"
t_check "a draft letter of an enrolment without a home programme" ruglab-report letter RB-0002 --draft -o letter-none.pdf
lacks "no home programme: the letter says nothing of one" "$(flat letter-none.pdf)" "Thuisprogramma"

# --- the compare JSON carries the programme
out=$(ruglab-report compare RB-0001 --format json); rc=$?
t_is "compare --format json exits 0" "$rc" 0
t_is "compare JSON: the home programme with variants and doses" \
  "$(jq -c '[.home_programme[] | [.exercise, .variant, .repetitions, .sets, .hold_seconds, .per_week]]' <<<"$out")" \
  '[["PLANK","leg-up",null,null,40,4],["BIRD-DOG","weight",10,3,null,2],["SQUAT",null,12,3,null,4],["LONG-WALK",null,5,1,null,1]]'
out=$(ruglab-report compare RB-0002 --format json); rc=$?
t_is "compare JSON without a programme: exit 0" "$rc" 0
t_is "compare JSON without a programme: an empty list" "$(jq -c .home_programme <<<"$out")" "[]"

# --- a neck school's letter is titled as one: by the programme's body
# region (clinical.programme.body_region, 704), not by its code
neck=$(fx_patient Claes Ann 79121200286 RB-0003)
t_check "RB-0003 in the neck school" q "UPDATE clinical.enrolment SET programme_id = (SELECT programme_id FROM clinical.programme WHERE code = 'nekschool-12') WHERE enrolment_id = $neck"
t_check "neck letter (nl, draft)" ruglab-report letter RB-0003 --draft -o neck-nl.pdf
neck_nl=$(flat neck-nl.pdf)
has "neck letter nl: the title" "$neck_nl" "Eindverslag nekschool"
lacks "neck letter nl: not a back rehabilitation" "$neck_nl" "rugrevalidatie"
t_check "neck letter (en, draft)" ruglab-report letter RB-0003 --draft --lang en -o neck-en.pdf
neck_en=$(flat neck-en.pdf)
has "neck letter en: the title" "$neck_en" "Final report: neck school"
lacks "neck letter en: not a back rehabilitation" "$neck_en" "back rehabilitation"
t_check "a site's own cervical programme of another code (nek-8)" ruglab programme add --site az-brugge --code nek-8 \
  --name "Nekklas kort" --exercise 8 --information 0 --max-per-week 2 --max-days 56 --mid-test-session 4 --region cervical
t_check "RB-0003 in nek-8" q "UPDATE clinical.enrolment SET programme_id = (SELECT programme_id FROM clinical.programme WHERE code = 'nek-8') WHERE enrolment_id = $neck"
t_check "nek-8 letter (nl, draft)" ruglab-report letter RB-0003 --draft -o neck8.pdf
has "nek-8: titled as a neck school" "$(flat neck8.pdf)" "Eindverslag nekschool"
t_check "a lumbar programme whose code says nekschool (the code does not decide)" ruglab programme add --site az-brugge \
  --code nekschool-rug --name "Rugklas" --exercise 8 --information 0 --max-per-week 2 --max-days 56 --mid-test-session 4
t_check "RB-0003 in nekschool-rug" q "UPDATE clinical.enrolment SET programme_id = (SELECT programme_id FROM clinical.programme WHERE code = 'nekschool-rug') WHERE enrolment_id = $neck"
t_check "nekschool-rug letter (nl, draft)" ruglab-report letter RB-0003 --draft -o lumbar.pdf
has "nekschool-rug: titled as a back rehabilitation" "$(flat lumbar.pdf)" "Eindverslag multidisciplinaire rugrevalidatie"

t_done

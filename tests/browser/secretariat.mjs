// The secretariat's walk in a real browser, in Dutch (an nl-BE browser):
// sign in → /secretariat → register a patient through the form → enrol →
// attendance: record a no-show → the list of questionnaires due (the start
// ODI missing) → enter the paper ODI → back to the list (nothing due). A screenshot of each page; each page is Dutch and
// shows no English word (lib.mjs's englishWords). The shell test checks
// what was written against the database.
//
// Environment (besides lib.mjs's): RL_PASSWORD, RL_SECRETARY, RL_FAMILY,
// RL_GIVEN, RL_BIRTH, RL_SEX, RL_INSZ, RL_PROGRAMME, RL_START,
// RL_PAIN_SINCE, RL_NO_SHOW_DATE, RL_ODI_DATE, RL_ODI_ANSWERS (the ten
// answers, comma-separated), RL_ODI_SCORE (the score the page must show).
import { base, env, pass, fail, check, is, data, newPage, shot, pathOf, signIn, run, noEnglish, Stop, need, follow } from './lib.mjs';

const pw = env('RL_PASSWORD');
const secretary = env('RL_SECRETARY');
const family = env('RL_FAMILY');
const given = env('RL_GIVEN');
const answers = env('RL_ODI_ANSWERS').split(',');

async function walk(browser) {
    const { context, page } = await newPage(browser, 'secretariat');
    await signIn(page, secretary, pw);
    need('the secretary signs in to /secretariat', pathOf(page) === '/secretariat', `on ${page.url()}`);
    await shot(page, 'secretariat');
    await noEnglish(page, '/secretariat');

    // register a patient through the form
    const reg = page.locator('a[href="/patients/new"]');
    need('the home links to /patients/new', (await reg.count()) >= 1, 'no such link');
    let r = await follow(page, reg.first());
    need('/patients/new: 200', r.status() === 200 && pathOf(page) === '/patients/new', `${page.url()} ${r.status()}`);
    await noEnglish(page, '/patients/new');
    await page.fill('#family-name', family);
    await page.fill('#given-name', given);
    await page.fill('#birth-date', env('RL_BIRTH'));
    await page.selectOption('#sex', env('RL_SEX'));
    await page.fill('#insz', env('RL_INSZ'));
    await page.fill('#weight', '72.5');
    await page.fill('#height', '168');
    await shot(page, 'patient-new');
    r = await follow(page, page.locator('form[action="/patients/new"] button[type=submit]'));
    const enrolPath = pathOf(page);
    need('registered: on the enrol page /enrol/SUBJECT', /^\/enrol\/[0-9]+$/.test(enrolPath) && r.status() === 200,
        `${page.url()} ${r.status()}: ${(await page.locator('.field-error').allTextContents()).join(' | ')}`);
    data('subject', enrolPath.split('/')[2]);
    check('the enrol page names the patient', (await page.textContent('h1')).includes(`${family}, ${given}`));
    await noEnglish(page, 'the enrol page');

    // enrol
    await page.selectOption('#programme', env('RL_PROGRAMME'));
    await page.fill('#start', env('RL_START'));
    await page.selectOption('#route', 'riziv');
    await page.selectOption('#indication', 'chronic');
    await page.fill('#pain-since', env('RL_PAIN_SINCE'));
    await shot(page, 'enrol');
    r = await follow(page, page.locator(`form[action="${enrolPath}"] button[type=submit]`));
    const attPath = pathOf(page);
    need('enrolled: on the attendance page /attendance/ENROLMENT', /^\/attendance\/[0-9]+$/.test(attPath) && r.status() === 200,
        `${page.url()} ${r.status()}: ${(await page.locator('.field-error').allTextContents()).join(' | ')}`);
    const eid = attPath.split('/')[2];
    data('enrolment', eid);
    await noEnglish(page, 'the attendance page');

    // attendance: a no-show
    await page.fill('#date', env('RL_NO_SHOW_DATE'));
    r = await follow(page, page.locator('button[name=status][value=no_show]'));
    need('the no-show: back on the attendance page', pathOf(page) === attPath && r.status() === 200,
        `${page.url()} ${r.status()}: ${(await page.locator('.field-error').allTextContents()).join(' | ')}`);
    await shot(page, 'attendance-no-show');
    const row = page.locator('table.sessions tr.session-no_show');
    need('the sessions table has the no-show', (await row.count()) === 1, `${await row.count()} rows`);
    check('the no-show row: its date and Dutch words', /niet opgedaagd/.test(await row.innerText()) &&
        (await row.innerText()).includes(env('RL_NO_SHOW_DATE')), await row.innerText());
    await noEnglish(page, 'the attendance page with a no-show');

    // the list of questionnaires due: the start ODI is missing (the
    // programme began weeks ago); its link opens the ODI form
    r = await follow(page, page.locator('main a[href="/secretariat"]').first());
    need('back on /secretariat', pathOf(page) === '/secretariat' && r.status() === 200, `${page.url()} ${r.status()}`);
    await shot(page, 'due-list-before');
    const dueRow = () => page.locator('table.due tbody tr', { hasText: `${family}, ${given}` })
        .filter({ has: page.locator('td', { hasText: /^ODI$/ }) });
    need("the due list has the new patient's ODI", (await dueRow().count()) === 1,
        (await page.locator('table.due tbody').innerText()) || 'empty');
    check('with the start ODI missing, in Dutch', /ODI\s+ontbreekt/.test(await dueRow().innerText()), await dueRow().innerText());
    await noEnglish(page, 'the due list');
    const toQ = dueRow().locator(`a[href="/questionnaire/${eid}?instrument=ODI"]`);
    need('the row links to the ODI form', (await toQ.count()) === 1, 'no such link');
    r = await follow(page, toQ);
    need('the ODI form: 200', r.status() === 200 && pathOf(page) === `/questionnaire/${eid}`, `${page.url()} ${r.status()}`);
    await noEnglish(page, 'the ODI form');
    is('the form has a field per answer', await page.locator('input[name^=item]').count(), answers.length);
    await page.fill('#date', env('RL_ODI_DATE'));
    await page.selectOption('#language', 'nl');
    for (let i = 0; i < answers.length; i++) await page.fill(`#item${i + 1}`, answers[i]);
    await shot(page, 'questionnaire');
    r = await follow(page, page.locator(`form[action="/questionnaire/${eid}"] button[type=submit]`));
    need('the ODI is stored: 200', r.status() === 200, `${page.url()} ${r.status()}: ${(await page.locator('.field-error').allTextContents()).join(' | ')}`);
    await shot(page, 'questionnaire-saved');
    is('the page shows the score', (await page.locator('dd.score').innerText()).split(' ')[0], env('RL_ODI_SCORE'));
    data('response', (await page.locator('dd.response-id').innerText()).trim());
    await noEnglish(page, 'the stored questionnaire');

    // back to the list of questionnaires due: nothing due for the patient now
    r = await follow(page, page.locator('main a[href="/secretariat"]').first());
    need('back on /secretariat', pathOf(page) === '/secretariat' && r.status() === 200, `${page.url()} ${r.status()}`);
    await shot(page, 'due-list');
    is("the due list no longer has the patient's ODI", await dueRow().count(), 0);
    await noEnglish(page, 'the due list after the ODI');
    is('no CSP violation on the walk', page.cspReports.join(' | '), '');
    await context.close();
}

await run('secretariat', async (browser) => {
    try {
        await walk(browser);
        pass('secretariat: every step ran');
    } catch (e) {
        if (!(e instanceof Stop)) throw e;
        fail('secretariat: every step ran', `stopped at: ${e.message}`);
    }
});

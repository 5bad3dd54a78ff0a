// The home programme page in a real browser, in Dutch (an nl-BE browser):
// the physician opens the enrolment's programme page, follows its link to
// the home programme, fills the assign form (an exercise of the catalogue,
// a variant of it, the hold time and how often a week), submits and sees
// the row; a dose out of range comes back with the message beside the
// field; the secretariat sees the same row without the forms. A screenshot
// of each page; each page is Dutch. The shell test checks what was written
// against the database and `ruglab homeprog show`.
//
// Environment (besides lib.mjs's): RL_PASSWORD, RL_PHYSICIAN, RL_SECRETARY,
// RL_ENROLMENT.
import { base, env, pass, check, is, data, newPage, shot, pathOf, signIn, run, noEnglish, Stop, need, follow } from './lib.mjs';

const pw = env('RL_PASSWORD');
const eid = env('RL_ENROLMENT');
const path = `/homeprog/${eid}`;

const errors = async (page) => (await page.locator('.field-error').allTextContents()).join(' | ');

async function physician(browser) {
    const { context, page } = await newPage(browser, 'physician');
    await signIn(page, env('RL_PHYSICIAN'), pw);
    need('the physician signs in to /worklist', pathOf(page) === '/worklist', `on ${page.url()}`);
    let r = await page.goto(`${base}/programme/${eid}`);
    need('the programme page: 200', r.status() === 200, `${page.url()} ${r.status()}`);
    const link = page.locator(`a[href="${path}"]`);
    need('the programme page links to the home programme', (await link.count()) === 1, 'no such link');
    r = await follow(page, link);
    need(`${path}: 200`, r.status() === 200 && pathOf(page) === path, `${page.url()} ${r.status()}`);
    is('the title is Dutch', (await page.textContent('h1')).startsWith('Thuisprogramma: '), true);
    await shot(page, 'homeprog-empty');
    await noEnglish(page, 'the empty home programme');

    // assign through the form
    await page.selectOption('#exercise', 'PLANK');
    await page.selectOption('#variant', 'PLANK:knees');
    await page.fill('#hold', '20');
    await page.fill('#per-week', '5');
    await shot(page, 'homeprog-assign-filled');
    r = await follow(page, page.locator('form.assign button[value=assign]'));
    need('assigned: back on the page, 200', r.status() === 200 && pathOf(page) === path,
        `${page.url()} ${r.status()}: ${await errors(page)}`);
    const row = page.locator('table.homeprog tr.hp-PLANK');
    need('the row of PLANK is shown', (await row.count()) === 1, 'no row');
    const cells = (await row.locator('td').allInnerTexts()).map((s) => s.trim());
    is('the exercise in Dutch', cells[0], 'Plank op de onderarmen (PLANK)');
    check('the variant chosen', /\(makkelijker, knees\)$/.test(cells[1]), cells[1]);
    is('the dose', cells[2], '20 s aanhouden');
    is('per week', cells[3], '5');
    data('row', cells.slice(0, 5).join('|'));
    is('the history has the assignment', await page.locator('table.homeprog-history tr.hp-PLANK').count(), 1);
    await shot(page, 'homeprog-assigned');
    await noEnglish(page, 'the home programme with its row');

    // a dose out of range: the form again, the field named, nothing written
    await page.selectOption('#exercise', 'SQUAT');
    await page.fill('#reps', '0');
    await page.fill('#sets', '2');
    await page.fill('#per-week', '3');
    r = await follow(page, page.locator('form.assign button[value=assign]'));
    is('zero repetitions: 422', r.status(), 422);
    const beside = page.locator('#reps + .field-error');
    need('zero repetitions: a message beside the repetitions', (await beside.count()) === 1, await errors(page));
    is('zero repetitions: the message', (await beside.innerText()).trim(), '--reps: 0 is outside 1-100');
    is('zero repetitions: what was typed is kept', await page.inputValue('#sets'), '2');
    is('zero repetitions: still one row', await page.locator('table.homeprog tbody tr').count(), 1);
    await shot(page, 'homeprog-refused');
    is('no CSP violation', page.cspReports.join(' | '), '');
    await context.close();
}

async function secretariat(browser) {
    const { context, page } = await newPage(browser, 'secretariat');
    await signIn(page, env('RL_SECRETARY'), pw);
    const r = await page.goto(`${base}${path}`);
    need('the secretariat opens the page: 200', r.status() === 200, `${page.url()} ${r.status()}`);
    is('the secretariat sees the row', await page.locator('table.homeprog tr.hp-PLANK').count(), 1);
    is('the secretariat sees no form', await page.locator('form.assign, form.done, button[value=stop]').count(), 0);
    check('the secretariat is told it reads only', (await page.textContent('p.read-only')).includes('Alleen inkijken'));
    await shot(page, 'homeprog-secretariat');
    await noEnglish(page, "the secretariat's home programme");
    await context.close();
}

await run('home programme', async (browser) => {
    try {
        await physician(browser);
        await secretariat(browser);
        pass('home programme: every step ran');
    } catch (e) {
        if (!(e instanceof Stop)) throw e;
        check('home programme: every step ran', false, `stopped at: ${e.message}`);
    }
});

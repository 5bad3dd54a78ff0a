// The physician's walk in a real browser: sign in → the worklist → the
// patient's programme → the conclusion form (conclusion, advice, language)
// → preview (a PDF marked draft) → sign and release → the released PDF. Both
// PDFs are saved into RL_SHOTS for the shell test, which reads them with
// pdftotext and checks them against the database; a screenshot of each page
// (the sign-in page first).
//
// Written against the pages' contract of issue 14 (adjust the selectors
// here when a page differs): the worklist is /worklist with table#worklist
// whose a.patient links open /programme/ENROLMENT_ID; the programme page
// links to /conclusion/ENROLMENT_ID; that page has a form posting to itself
// with textarea[name=body] (the conclusion), textarea[name=advice],
// select[name=lang] and a save button; a GET form to /preview/ENROLMENT_ID
// (answered with the draft PDF); a form posting to /release/ENROLMENT_ID;
// after the release, the table of releases links to /letter/RELEASE_ID.
// Nothing is skipped: a missing page or control is a failed check that says
// what was looked for, and the walk stops there.
//
// Environment (besides lib.mjs's): RL_PASSWORD, RL_PHYSICIAN, RL_ENROLMENT,
// RL_PATIENT (the patient's family name, as the worklist shows it),
// RL_CONCLUSION, RL_ADVICE, RL_LANG.
import { base, env, pass, fail, check, is, data, newPage, shot, save, pathOf, signIn, run, noEnglish, messageStyle, Stop, need } from './lib.mjs';

const pw = env('RL_PASSWORD');
const physician = env('RL_PHYSICIAN');
const eid = env('RL_ENROLMENT');
const patient = env('RL_PATIENT');
const conclusion = env('RL_CONCLUSION');
const advice = env('RL_ADVICE');
const lang = env('RL_LANG');

// The first of the selectors that matches on the page, or null.
async function firstOf(page, selectors) {
    for (const s of selectors) {
        const l = page.locator(s);
        if ((await l.count()) > 0) return l.first();
    }
    return null;
}

// The fields the browser would send for the form of a submit control (its
// formaction, else its form's action), as the browser builds them.
async function submission(control) {
    return control.evaluate((el) => {
        const form = el.form || el.closest('form');
        if (!form) return null;
        const fields = {};
        for (const [k, v] of new FormData(form, el.type === 'submit' ? el : undefined)) fields[k] = String(v);
        return { action: el.getAttribute('formaction') || form.getAttribute('action') || '', method: form.method, fields };
    });
}

function isPdf(desc, resp, body) {
    const type = resp.headers()['content-type'] || '';
    const ok = [
        check(`${desc}: 200`, resp.status() === 200, `status ${resp.status()}`),
        check(`${desc}: Content-Type application/pdf`, type.startsWith('application/pdf'), type),
        check(`${desc}: the body is a PDF`, body.subarray(0, 5).toString('latin1') === '%PDF-',
            JSON.stringify(body.subarray(0, 40).toString('latin1'))),
    ];
    return ok.every(Boolean);
}

async function walk(browser) {
    const { context, page } = await newPage(browser, 'physician');
    await page.goto(`${base}/signin`);
    await shot(page, 'signin');
    await signIn(page, physician, pw);
    need('the physician signs in', pathOf(page) !== '/signin', `still on ${page.url()}`);

    // the worklist
    const wl = await page.goto(`${base}/worklist`);
    await shot(page, 'worklist');
    need('/worklist: 200', wl.status() === 200, `status ${wl.status()}: the worklist page is not there`);
    need('/worklist has table#worklist', (await page.locator('table#worklist').count()) === 1,
        'no <table id="worklist"> on the page');
    const link = page.locator('table#worklist a.patient', { hasText: patient });
    need(`the worklist has an a.patient link for ${patient}`, (await link.count()) >= 1,
        `links: ${(await page.locator('table#worklist a.patient').allTextContents()).join(', ') || 'none'}`);
    is(`the link opens /programme/${eid}`, await link.first().getAttribute('href'), `/programme/${eid}`);
    await noEnglish(page, '/worklist');

    // the patient's programme page
    const [prog] = await Promise.all([page.waitForNavigation(), link.first().click()]);
    await shot(page, 'programme');
    need(`a click opens /programme/${eid}`, pathOf(page) === `/programme/${eid}` && prog.status() === 200,
        `${page.url()}, status ${prog.status()}`);
    check('the programme page names the patient', (await page.textContent('main')).includes(patient));
    await noEnglish(page, 'the programme page');

    // the conclusion form
    const toConclusion = page.locator(`a[href="/conclusion/${eid}"]`);
    need(`the programme page links to /conclusion/${eid}`, (await toConclusion.count()) >= 1, 'no such link');
    const [conc] = await Promise.all([page.waitForNavigation(), toConclusion.first().click()]);
    await shot(page, 'conclusion');
    need(`/conclusion/${eid}: 200`, pathOf(page) === `/conclusion/${eid}` && conc.status() === 200,
        `${page.url()}, status ${conc.status()}`);
    for (const f of ['textarea[name=body]', 'textarea[name=advice]', 'select[name=lang]'])
        need(`the conclusion form has ${f}`, (await page.locator(f).count()) >= 1, 'not on the page');
    await noEnglish(page, 'the conclusion page');
    await page.fill('textarea[name=body]', conclusion);
    await page.fill('textarea[name=advice]', advice);
    await page.selectOption('form[action="/conclusion/' + eid + '"] select[name=lang]', lang);
    await shot(page, 'conclusion-filled');
    const saveCtl = page.locator(`form[action="/conclusion/${eid}"] button[value=save]`);
    need('the conclusion form has a save button', (await saveCtl.count()) === 1, 'none found');
    const [saved] = await Promise.all([page.waitForNavigation(), saveCtl.click()]);
    await shot(page, 'conclusion-saved');
    need('save: back on the conclusion page', saved.status() === 200 && pathOf(page) === `/conclusion/${eid}`,
        `${page.url()}, status ${saved.status()}`);
    is('the saved conclusion is shown as typed', await page.inputValue('textarea[name=body]'), conclusion);
    is('the saved advice is shown as typed', await page.inputValue('textarea[name=advice]'), advice);
    const savedMsg = await messageStyle(page);
    check('the page says it is saved', savedMsg !== null && /bewaard/.test(savedMsg.text), JSON.stringify(savedMsg));
    is('styled as a success, not an error', savedMsg && savedMsg.cls, 'message ok');
    is('with the success colour', savedMsg && savedMsg.border, 'rgb(30, 123, 52)');

    // preview: its form opens the PDF in a new tab; the same GET is fetched
    // through the context's request (same cookies), so it can be saved
    const previewCtl = await firstOf(page, [`form[action="/preview/${eid}"] [type=submit]`]);
    need(`the page has a submit control of a form to /preview/${eid}`, previewCtl !== null, 'none found');
    const ps = await submission(previewCtl);
    need('the preview control is in a form', ps !== null, 'no form around it');
    is('the preview is a GET (nothing is written)', ps.method, 'get');
    const pq = new URLSearchParams(ps.fields).toString();
    const pr = await context.request.get(`${base}${ps.action}?${pq}`, { maxRedirects: 0 });
    const pbody = await pr.body();
    if (isPdf('the preview', pr, pbody)) data('preview_pdf', save('preview.pdf', pbody));

    // sign and release: the real click; the same form posted again must not
    // release a second report
    const releaseCtl = await firstOf(page, [`form[action="/release/${eid}"] [type=submit]`]);
    need(`the form has a submit control posting to /release/${eid}`, releaseCtl !== null, 'none found');
    const rs = await submission(releaseCtl);
    const [rel] = await Promise.all([page.waitForNavigation(), releaseCtl.click()]);
    await shot(page, 'released');
    need('sign and release: the page after it is 200', rel.status() === 200, `${page.url()}, status ${rel.status()}`);
    const relMsg = await messageStyle(page);
    check('the page says it is signed and released', relMsg !== null && /ondertekend/.test(relMsg.text), JSON.stringify(relMsg));
    is('the release styled as a success', relMsg && relMsg.cls, 'message ok');
    await noEnglish(page, 'the conclusion page after the release');
    const pdfLink = await firstOf(page, ['table.releases tr.release a[href^="/letter/"]']);
    need('the page after the release links to the released PDF', pdfLink !== null,
        `no release row with a /letter/ link on ${pathOf(page)}`);
    const href = new URL(await pdfLink.getAttribute('href'), page.url()).href;
    const fr = await context.request.get(href);
    const fbody = await fr.body();
    if (isPdf('the released PDF', fr, fbody)) data('released_pdf', save('released.pdf', fbody));
    const again = await context.request.post(`${base}${rs.action}`, { form: rs.fields, maxRedirects: 0 });
    data('release_again_status', again.status());
    check('the same release form posted again is not a success page with a new PDF',
        !(again.status() === 200 && (again.headers()['content-type'] || '').startsWith('application/pdf')),
        `status ${again.status()}`);
    is('no CSP violation on the walk', page.cspReports.join(' | '), '');
    await context.close();

    // the released PDF is not for anyone without a session
    const { context: anon } = await newPage(browser, 'anonymous');
    const ar = await anon.request.get(href, { maxRedirects: 0 });
    is('without a session the released PDF is a 303 to /signin', `${ar.status()} ${ar.headers().location}`, '303 /signin');
    await anon.close();
}

await run('walk', async (browser) => {
    try {
        await walk(browser);
        pass('walk: every step ran');
    } catch (e) {
        if (!(e instanceof Stop)) throw e;
        fail('walk: every step ran', `stopped at: ${e.message}`);
    }
});

// make demo's ruglab-web in a real browser: the Dutch sign-in page, then each
// account the demo printed signs in with the printed password, lands on its
// role's home (no longer /signin) and signs out again. Screenshots of each.
//
// Environment (besides lib.mjs's): RL_ACCOUNTS, the demo's printed sign-ins
// as lines "ROLE USER PASSWORD".
import { base, env, check, is, newPage, shot, pathOf, signIn, run } from './lib.mjs';

const accounts = env('RL_ACCOUNTS').split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/));

await run('demo', async (browser) => {
    const { context, page } = await newPage(browser, 'demo');
    const resp = await page.goto(`${base}/`);
    is('the demo address opens the sign-in page', pathOf(page), '/signin');
    is('in Dutch', await page.getAttribute('html', 'lang'), 'nl');
    is('its heading: Aanmelden', (await page.textContent('h1')).trim(), 'Aanmelden');
    check('the sign-in page: 200', resp.status() === 200, `status ${resp.status()}`);
    await shot(page, 'signin');
    check('the demo printed four accounts (physician, secretariat, admin, quality)', accounts.length === 4, JSON.stringify(accounts));
    for (const [role, name, pw] of accounts) {
        await signIn(page, name, pw);
        check(`${role} ${name} signs in with the printed password`, pathOf(page) !== '/signin',
            `still on /signin: ${await page.textContent('p.message').catch(() => '')}`);
        await shot(page, `${role}-home`);
        if (role === 'quality') {
            is('quality: the home is the dashboard', pathOf(page), '/quality');
            check('quality: the dashboard shows the demo\'s outcomes (refreshed)',
                (await page.locator('table.measures tbody tr').count()) > 0, 'no table.measures rows');
        }
        is(`${role}: the navigation names ${name}`, (await page.textContent('header nav a[href="/me"]')).trim(), name);
        await Promise.all([page.waitForNavigation(), page.click('header nav form button[type=submit]')]);
        is(`${role}: signs out (Afmelden)`, pathOf(page), '/signin');
    }
    is('no CSP violation on the demo pages', page.cspReports.join(' | '), '');
    await context.close();
});

// The admin's walk in a real browser, in Dutch (an nl-BE browser): sign in
// → /admin/users → /admin/devices → a revocation refused (a blank reason:
// the message is an error, styled as one) → a revocation with a reason. A
// screenshot of each page; each page is Dutch and shows no English word
// (lib.mjs's englishWords). The shell test checks the revocation against
// the database.
//
// Environment (besides lib.mjs's): RL_PASSWORD, RL_ADMIN, RL_DEVICE (an
// enrolled device), RL_REASON (the revocation's reason).
import { base, env, pass, fail, check, is, newPage, shot, pathOf, signIn, run, noEnglish, messageStyle, Stop, need, follow } from './lib.mjs';

const pw = env('RL_PASSWORD');
const admin = env('RL_ADMIN');
const device = env('RL_DEVICE');

async function walk(browser) {
    const { context, page } = await newPage(browser, 'admin');
    await signIn(page, admin, pw);
    need('the admin signs in to /admin/users', pathOf(page) === '/admin/users', `on ${page.url()}`);
    await shot(page, 'admin-users');
    await noEnglish(page, '/admin/users');
    check('the roles in Dutch', /beheerder/.test(await page.locator('main table').innerText()),
        await page.locator('main table').innerText());

    const toDevices = page.locator('a[href="/admin/devices"]');
    need('the nav links to /admin/devices', (await toDevices.count()) >= 1, 'no such link');
    let r = await follow(page, toDevices.first());
    need('/admin/devices: 200', r.status() === 200 && pathOf(page) === '/admin/devices', `${page.url()} ${r.status()}`);
    await shot(page, 'admin-devices');
    await noEnglish(page, '/admin/devices');
    const row = () => page.locator('table.devices tr', { has: page.locator('td.device', { hasText: device }) });
    need(`the list has ${device}`, (await row().count()) === 1, await page.locator('table.devices').innerText());
    is(`${device}: active, in Dutch`, (await row().locator('td.status').innerText()).trim(), 'actief');
    check('no message shown', (await page.locator('p.message').isVisible()) === false, 'a message is visible');

    // a blank reason: refused, the message an error (red)
    await row().locator('input[name=reason]').fill('   ');
    r = await follow(page, row().locator('button[type=submit]'));
    is('a blank reason: 400', r.status(), 400);
    await shot(page, 'admin-devices-refused');
    const m = await messageStyle(page);
    need('the refusal is said in a message', m !== null, 'no p.message');
    is('the refusal is styled as an error', m.cls, 'message error');
    is('with the error colour', m.border, 'rgb(192, 57, 43)');
    await noEnglish(page, 'the refused revocation');

    // a revocation with a reason
    await row().locator('input[name=reason]').fill(env('RL_REASON'));
    r = await follow(page, row().locator('button[type=submit]'));
    need('revoked: back on /admin/devices', r.status() === 200 && pathOf(page) === '/admin/devices', `${page.url()} ${r.status()}`);
    await shot(page, 'admin-devices-revoked');
    is(`${device}: revoked, in Dutch`, (await row().locator('td.status').innerText()).trim(), 'ingetrokken');
    await noEnglish(page, 'the devices after the revocation');
    is('no CSP violation on the walk', page.cspReports.join(' | '), '');
    await context.close();
}

await run('admin', async (browser) => {
    try {
        await walk(browser);
        pass('admin: every step ran');
    } catch (e) {
        if (!(e instanceof Stop)) throw e;
        fail('admin: every step ran', `stopped at: ${e.message}`);
    }
});

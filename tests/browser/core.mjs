// ruglab-web's core in a real browser (Debian's chromium driven by
// playwright-core): the sign-in page, the wrong-password message, the admin's
// home, no session → /signin, a forbidden page (403), the session cookie's
// flags as the browser holds them, a display name that is a script shown as
// text (and no dialog), the Content-Security-Policy as the browser enforces
// it, sign-out. A screenshot of every page visited.
//
// Environment (besides lib.mjs's): RL_PASSWORD, RL_ADMIN, RL_PHYSICIAN
// (whose display name is RL_SCRIPT_NAME), RL_PHYSICIAN_HOME (where the
// physician lands after sign-in).
import { base, env, pass, check, is, newPage, shot, pathOf, signIn, run } from './lib.mjs';

const pw = env('RL_PASSWORD');
const admin = env('RL_ADMIN');
const physician = env('RL_PHYSICIAN');
const scriptName = env('RL_SCRIPT_NAME');
const physicianHome = env('RL_PHYSICIAN_HOME');

// The policy of a response, directive → sources.
function policy(resp) {
    const h = resp.headers()['content-security-policy'] || '';
    const out = new Map();
    for (const part of h.split(';')) {
        const [name, ...sources] = part.trim().split(/\s+/);
        if (name) out.set(name.toLowerCase(), sources);
    }
    return out;
}

// What a page's HTML, as the server sent it, carries that the policy forbids
// or that would run: script elements, inline event handlers (on...=),
// javascript: URLs, style elements and style attributes. (The server's
// bytes, not the live DOM: the test driver itself marks up the DOM.)
async function inlineCode(resp) {
    const html = await resp.text();
    const found = [];
    for (const [what, re] of [['script', /<script\b/i], ['event handler', /<[^>]*\son[a-z]+\s*=/i],
                              ['javascript: URL', /javascript:/i], ['style element', /<style\b/i],
                              ['style attribute', /<[^>]*\sstyle\s*=/i]]) {
        const m = html.match(re);
        if (m) found.push(`${what}: ${html.slice(m.index, m.index + 80)}`);
    }
    return found.join(' | ') || 'none';
}

async function sessionCookie(context) {
    return (await context.cookies(base)).find((c) => c.name === 'ruglab_session');
}

async function anonymous(browser) {
    const { context, page } = await newPage(browser, 'anonymous', 'en-GB');
    // no session: a page of the admin's sends the browser to the sign-in page
    const resp = await page.goto(`${base}/admin/users`);
    is('no session: /admin/users ends on /signin', pathOf(page), '/signin');
    const from = resp.request().redirectedFrom();
    is('no session: the browser was redirected from /admin/users',
        from ? new URL(from.url()).pathname : null, '/admin/users');
    is('the sign-in page: 200', resp.status(), 200);
    await shot(page, 'signin');
    check('the sign-in page: a user name field', await page.isVisible('input[name=name]'));
    check('the sign-in page: a password field', await page.isVisible('input[name=password][type=password]'));
    is('the sign-in page: a CSRF token in the form',
        /^[0-9]+-[0-9a-f]{64}$/.test(await page.getAttribute('form.signin input[name=csrf]', 'value')), true);

    // the policy: no script of any origin, no inline style, no framing
    const csp = policy(resp);
    is("CSP: default-src 'none'", (csp.get('default-src') || []).join(' '), "'none'");
    check('CSP: no script-src (so no script of any kind, inline included)', !csp.has('script-src'),
        `script-src ${(csp.get('script-src') || []).join(' ')}`);
    is("CSP: style-src 'self' only (no inline style)", (csp.get('style-src') || []).join(' '), "'self'");
    is("CSP: frame-ancestors 'none'", (csp.get('frame-ancestors') || []).join(' '), "'none'");
    is('the sign-in page has no script, event handler or inline style', await inlineCode(resp), 'none');
    is('and the browser sees no script element in it', await page.locator('script').count(), 0);
    // and the browser enforces it: an inline script put into the page does not run
    await page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.rlInjected = true;';
        document.body.appendChild(s);
    });
    is('the browser refuses an inline script on the page', await page.evaluate(() => window.rlInjected === true), false);
    check('and reports the policy violation', page.cspReports.length > 0, 'no CSP message in the console');
    page.cspReports.length = 0;

    // a wrong password: the message, still on the sign-in page, no session
    await page.fill('input[name=name]', admin);
    await page.fill('input[name=password]', 'not the password at all');
    await Promise.all([page.waitForNavigation(), page.click('form.signin button[type=submit]')]);
    await shot(page, 'signin-wrong-password');
    is('wrong password: still on /signin', pathOf(page), '/signin');
    is('wrong password: the message', (await page.textContent('p.message')).trim(), 'User name or password wrong.');
    is('wrong password: no session cookie', await sessionCookie(context), undefined);
    is('wrong password: the user name is kept in the field', await page.inputValue('input[name=name]'), admin);
    is('no CSP violation on the sign-in pages', page.cspReports.join(' | '), '');
    await context.close();
}

async function adminWalk(browser) {
    const { context, page } = await newPage(browser, 'admin', 'en-GB');
    const home = await signIn(page, admin, pw);
    is('the admin signs in and lands on /admin/users', pathOf(page), '/admin/users');
    await shot(page, 'admin-users');
    const c = await sessionCookie(context);
    check('the browser holds the session cookie ruglab_session', c !== undefined);
    if (c) {
        check('the session id is 64 hex digits', /^[0-9a-f]{64}$/.test(c.value), c.value);
        is('the cookie is HttpOnly', c.httpOnly, true);
        is('the cookie is SameSite=Strict', c.sameSite, 'Strict');
        is('the cookie is for Path=/', c.path, '/');
        is('the cookie is for this host only', c.domain, '127.0.0.1');
        is('the cookie lasts the browser session (no expiry date)', c.expires, -1);
    }
    is("the page's scripts cannot read the session cookie", await page.evaluate(() => document.cookie.includes('ruglab_session')), false);

    // a display name that is a script: shown as text, never run
    const cell = page.locator('td', { hasText: scriptName });
    is('/admin/users shows the display name as text, literally', await cell.first().textContent(), scriptName);
    check('and it is visible', await cell.first().isVisible());
    is('/admin/users has no script, event handler or inline style', await inlineCode(home), 'none');

    // sign-out from the navigation bar
    await Promise.all([page.waitForNavigation(), page.click('header nav form button[type=submit]')]);
    is('sign-out: back on /signin', pathOf(page), '/signin');
    await shot(page, 'signed-out');
    const after = await sessionCookie(context);
    check('sign-out: the old session no longer holds',
        !after || after.value !== (c && c.value), 'the browser still has the same session id');
    await page.goto(`${base}/admin/users`);
    await shot(page, 'signed-out-admin-users');
    is('after sign-out /admin/users sends to /signin again', pathOf(page), '/signin');
    is('no CSP violation on the admin pages', page.cspReports.join(' | '), '');
    await context.close();
}

async function physicianWalk(browser) {
    const { context, page } = await newPage(browser, 'physician', 'en-GB');
    await signIn(page, physician, pw);
    is(`the physician signs in and lands on ${physicianHome}`, pathOf(page), physicianHome);
    await shot(page, 'physician-home');
    const resp = await page.goto(`${base}/me`);
    is('/me for the physician: 200', resp.status(), 200);
    await shot(page, 'me-physician');
    is('/me shows the display name as text, literally', await page.textContent('dd.display-name'), scriptName);
    is('/me has no script, event handler or inline style', await inlineCode(resp), 'none');

    // a page of another role: 403 with a message, not an empty page
    const forbidden = await page.goto(`${base}/admin/users`);
    is('the physician on /admin/users: 403', forbidden.status(), 403);
    is('the 403 stays on /admin/users (no redirect)', pathOf(page), '/admin/users');
    await shot(page, 'forbidden');
    is('the 403 page says why', (await page.textContent('p.message')).trim(), 'Your role may not open this page.');
    check('the 403 page lists no user', (await page.locator('td').count()) === 0);
    is('no CSP violation on the physician pages', page.cspReports.join(' | '), '');
    await context.close();
}

await run('core', async (browser) => {
    await anonymous(browser);
    await adminWalk(browser);
    await physicianWalk(browser);
    pass('core: every part of the script ran');
});

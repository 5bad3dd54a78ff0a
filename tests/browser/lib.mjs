// Shared helpers of ruglab-web's browser tests (tests/browser/*.mjs), run by
// tests/integration/test_web_browser.sh through browser_lib.sh.
//
// The script reports on stdout, one line each, tab-separated:
//   pass <desc>                 a check that held
//   fail <desc> <detail>        a check that did not
//   data <key> <value>          a value for the shell test to check against
//                               the database (e.g. the path of a saved PDF)
//   done                        the last line of a script that ran to its end
// The shell turns pass/fail into its TAP lines (t_ok/t_not_ok), so the
// numbering and the runner's count stay the shell's.
//
// Environment: RL_NODE_DIR (where make browser-deps installed
// playwright-core), RL_BASE (http://127.0.0.1:PORT), RL_SHOTS (the folder
// for the screenshots), RL_CHROMIUM (default /usr/bin/chromium) and each
// script's own variables.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function env(name) {
    const v = process.env[name];
    if (v === undefined || v === '') {
        console.log(`fail\tthe environment names ${name}\tthe shell test must set it`);
        console.log('done');
        process.exit(2);
    }
    return v;
}

// playwright-core lives in the build directory, not beside the scripts: load
// it from there (an ESM import resolves from the script's own folder only).
const require = createRequire(join(env('RL_NODE_DIR'), 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');

export const base = env('RL_BASE');
const shots = env('RL_SHOTS');
mkdirSync(shots, { recursive: true });

let failures = 0;
const oneLine = (s) => String(s).replace(/[\t\r\n]+/g, ' ').slice(0, 2000);

export function pass(desc) {
    console.log(`pass\t${oneLine(desc)}`);
}
export function fail(desc, detail = '') {
    failures++;
    console.log(`fail\t${oneLine(desc)}\t${oneLine(detail)}`);
}
export function check(desc, cond, detail = '') {
    if (cond) pass(desc);
    else fail(desc, detail);
    return !!cond;
}
export function is(desc, got, want) {
    return check(desc, got === want, `got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}
export function data(key, value) {
    console.log(`data\t${key}\t${oneLine(value)}`);
}

// Chromium as Debian ships it, never a downloaded one. Chromium's sandbox
// needs user namespaces that a root process may not use: as root (CI runs
// the tests as root) it refuses to start unless told --no-sandbox, so the
// sandbox is turned off for root only; any other user keeps it. The other
// flags keep a headless browser on a machine without internet quiet (no
// background connections, component updates or sync).
export async function launch() {
    return chromium.launch({
        executablePath: process.env.RL_CHROMIUM || '/usr/bin/chromium',
        headless: true,
        chromiumSandbox: process.getuid() !== 0,
        args: ['--disable-gpu', '--disable-quic', '--disable-background-networking',
               '--disable-component-update', '--disable-sync', '--no-first-run'],
        timeout: 60000,
    });
}

// A browser context with a page that fails the test on any JavaScript
// dialog (alert, confirm, prompt: an injected script ran) and that keeps the
// console's Content-Security-Policy reports (a page breaking its own policy,
// or the policy blocking something). locale: the browser's language, sent
// as Accept-Language (ruglab-web answers in it when nothing else is chosen):
// a Belgian hospital's browser by default.
export async function newPage(browser, who, locale = 'nl-BE') {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 }, locale });
    const page = await context.newPage();
    // generous: a sign-in hashes the password (Argon2id) on a machine that may be busy
    page.setDefaultTimeout(30000);
    page.cspReports = [];
    page.on('dialog', async (d) => {
        fail(`${who}: no JavaScript dialog opens`, `a ${d.type()} opened on ${page.url()}: ${d.message()}`);
        await d.dismiss().catch(() => {});
    });
    page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) page.cspReports.push(m.text());
    });
    page.on('pageerror', (e) => fail(`${who}: no script error on ${page.url()}`, e.message));
    return { context, page };
}

let shotN = 0;
// A full-page screenshot of what the page shows now: RL_SHOTS/NN-name.png.
export async function shot(page, name) {
    shotN++;
    const file = join(shots, `${String(shotN).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    data('shot', file);
    return file;
}

export function save(name, bytes) {
    const file = join(shots, name);
    writeFileSync(file, bytes);
    return file;
}

// A step a walk cannot go on without: a failed check that stops the walk
// (thrown as Stop, which the walk's runner reports as where it stopped).
export class Stop extends Error {}
export function need(desc, cond, detail) {
    if (!check(desc, cond, detail)) throw new Stop(desc);
}

// Clicks what the locator finds and waits for the page that follows; the
// response of that page.
export async function follow(page, locator) {
    const [resp] = await Promise.all([page.waitForNavigation(), locator.click()]);
    return resp;
}

// The path of the page's URL (no host).
export const pathOf = (page) => new URL(page.url()).pathname;

// Signs in through the form as a person would: fills, clicks, waits for the
// page that follows. Returns the response of that page.
export async function signIn(page, name, password) {
    await page.goto(`${base}/signin`);
    await page.fill('input[name=name]', name);
    await page.fill('input[name=password]', password);
    const [resp] = await Promise.all([
        page.waitForNavigation(),
        page.click('form.signin button[type=submit]'),
    ]);
    return resp;
}

// Runs the script's body; a thrown error is a failed check (with the page it
// happened on), never a silent stop. Prints "done" and exits 1 on any failure.
export async function run(what, body) {
    let browser;
    try {
        browser = await launch();
        pass(`${what}: Debian's chromium starts headless (${browser.version()})`);
        await body(browser);
    } catch (e) {
        fail(`${what}: the script ran to its end`, e && e.stack ? e.stack : String(e));
    } finally {
        if (browser) await browser.close().catch(() => {});
    }
    console.log('done');
    process.exit(failures ? 1 : 0);
}

// English words a Dutch page must not show: the words the pages once showed
// on Dutch pages (language names, enrolment and delivery statuses, roles,
// the secretariat's and the devices' labels) before every word came from the
// per-language templates. Whole words, case as written; the text the page
// shows (select options included), not its markup, attribute values or
// the commands named in <code>.
export const englishWords = ['Dutch', 'English', 'French', 'German', 'completed', 'running', 'queued',
    'sent', 'delivered', 'physician', 'GP', 'attended', 'no-show', 'cancelled', 'done', 'due',
    'missing', 'Section', 'by hand', 'none', 'default', 'female', 'male', 'undetermined', 'active',
    'revoked', 'unknown', 'yes', 'chronic back pain', 'information session', 'exercise session'];

// The words of `words` found in text (whole words, case as written).
export function englishIn(text, words) {
    return words.filter((w) => new RegExp(`(^|[^\\p{L}\\-])${w}($|[^\\p{L}\\-])`, 'u').test(text));
}

// Checks that the page is Dutch (html lang="nl") and shows none of
// englishWords nor of the page's own `extra` words; returns the words found.
export async function noEnglish(page, what, extra = []) {
    is(`${what}: a Dutch page (html lang="nl")`, await page.getAttribute('html', 'lang'), 'nl');
    // every text node (options too), but not a command's name in <code>
    const text = await page.evaluate(() => {
        const out = [];
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode())
            if (!n.parentElement.closest('code, script, style')) out.push(n.nodeValue);
        return out.join(' ');
    });
    const found = englishIn(text, englishWords.concat(extra));
    is(`${what}: no English word on the Dutch page`, found.join(', '), '');
    return found;
}

// The class and the computed left border colour of the page's p.message (the
// kind of a message: error red, ok green), or null when there is none shown.
export async function messageStyle(page) {
    const m = page.locator('p.message');
    if ((await m.count()) === 0) return null;
    return m.first().evaluate((el) => ({
        cls: el.className,
        text: el.textContent,
        border: getComputedStyle(el).borderLeftColor,
    }));
}

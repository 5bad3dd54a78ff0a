// The quality user's dashboard in a real browser, in Dutch (an nl-BE
// browser): sign in → the dashboard (/quality, the user's home) → by
// indication → completeness → cohorts over time → box plots → the funnel
// after case-mix adjustment, following the page's links. A screenshot of each page; each page is Dutch; the total
// row's NPRS numbers equal those the shell test computed with SQL; no
// English word (lib.mjs's and the quality pages' own: the charts' and the
// measures' English words and codes) on a page or in its chart; each
// page's "CSV downloaden" link downloads a file (saved beside the
// screenshots, compared by the shell test).
//
// Environment (besides lib.mjs's): RL_PASSWORD, RL_QUALITY (the user),
// RL_NPRS_N and RL_NPRS_MEAN (n and mean change of NPRS over everybody).
import { base, env, pass, fail, check, is, newPage, shot, save, pathOf, signIn, run, noEnglish, englishIn, data, Stop, need, follow } from './lib.mjs';

// English a Dutch quality page or chart once showed: the charts' titles,
// axes and keys (the CLI's gnuplot words), the measures' English names and
// their codes (nprs, strength_extension).
const qualityEnglish = ['Mean change', 'Change of', 'mean change', 'change', 'per cohort', 'start week',
    'cohort mean', 'overall mean', 'overall', 'per site', 'site', 'Site', 'Sites', 'patients', 'observed', 'expected',
    'case-mix adjustment', 'pain', 'disability', 'kinesiophobia', 'function', 'strength', 'nprs', 'odi',
    'rmdq', 'tsk', 'psfs', 'strength_extension', 'strength_flexion', 'rom_extension', 'rom_flexion'];

const pw = env('RL_PASSWORD');
const user = env('RL_QUALITY');

// Clicks the page's CSV link and saves the download as NAME.
async function download(page, name) {
    const link = page.locator('a.csv').first();
    need(`${name}: a CSV link`, (await link.count()) === 1, 'no a.csv');
    const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const path = await dl.path();
    need(`${name}: the download finished`, !!path, String(await dl.failure()));
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    save(name, bytes);
    data(`csv-${name}`, String(bytes.toString('utf8').split('\n').filter((l) => l).length));
    is(`${name}: the browser names the file`, dl.suggestedFilename(), name);
}

// The cells of the row of table `sel` whose first cell is `first` and
// second cell (when given) is `second`.
async function rowCells(page, sel, first, second) {
    const rows = await page.locator(`${sel} tbody tr`).all();
    for (const r of rows) {
        const cells = (await r.locator('td').allInnerTexts()).map((c) => c.trim());
        if (cells[0] === first && (second === undefined || cells[1] === second)) return cells;
    }
    return null;
}

// The text of the page's chart (the <text> of the inlined SVG).
async function chartText(page) {
    return page.locator('img.chart').evaluate((img) => {
        const b64 = img.src.split(',')[1];
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const doc = new DOMParser().parseFromString(new TextDecoder().decode(bytes), 'image/svg+xml');
        return [...doc.querySelectorAll('text')].map((t) => t.textContent).join(' | ');
    });
}

async function walk(browser) {
    const { context, page } = await newPage(browser, 'quality');
    context.setDefaultTimeout(60000);
    await signIn(page, user, pw);
    need('the quality user signs in to the dashboard', pathOf(page) === '/quality', `on ${page.url()}`);
    await shot(page, 'quality-outcomes');
    await noEnglish(page, '/quality', qualityEnglish);
    const all = await rowCells(page, 'table.measures', 'alle', 'NPRS pijn');
    need('the total row of NPRS', all !== null, await page.locator('table.measures').innerText());
    is('NPRS over everybody: n as SQL counts', all[2], env('RL_NPRS_N'));
    is('NPRS over everybody: mean change as SQL averages', all[3], env('RL_NPRS_MEAN'));
    check('"<5" is shown where a cell is suppressed', (await page.locator('td.suppressed').count()) > 0, 'no suppressed cell');
    await download(page, 'quality-site.csv');

    await page.selectOption('select#by', 'indication');
    let r = await follow(page, page.locator('form[action="/quality"] button[type=submit]'));
    need('by indication: 200', r.status() === 200, `${r.status()}`);
    await shot(page, 'quality-by-indication');
    await noEnglish(page, '/quality?by=indication', qualityEnglish);
    check('the indications in Dutch', /chronische/i.test(await page.locator('table.groups').innerText()),
        await page.locator('table.groups').innerText());

    for (const [path, name] of [['/quality/completeness', 'completeness'], ['/quality/runchart', 'runchart'],
        ['/quality/boxplots', 'boxplots'], ['/quality/funnel', 'funnel']]) {
        r = await follow(page, page.locator(`p.qnav a[href="${path}"]`));
        need(`${path}: 200`, r.status() === 200 && pathOf(page) === path, `${page.url()} ${r.status()}`);
        await shot(page, `quality-${name}`);
        await noEnglish(page, path, qualityEnglish);
        if (name !== 'completeness') {
            const img = page.locator('img.chart');
            need(`${path}: a chart`, (await img.count()) === 1, 'no img.chart');
            const w = await img.evaluate((i) => i.naturalWidth);
            check(`${path}: the chart is drawn (an image the browser decodes)`, w > 100, `width ${w}`);
            const text = await chartText(page);
            is(`${path}: no English word in the chart`, englishIn(text, qualityEnglish).join(', '), '');
            check(`${path}: the chart's title is Dutch`, /(Gemiddelde v|V)erandering van .* per (cohorte|centrum)/.test(text), text);
        }
        if (name === 'funnel') {
            const sites = (await page.locator('table.funnel tr.site td.site').allInnerTexts()).map((c) => c.trim());
            data('funnel-sites', sites.join(' '));
            const svg = await chartText(page);
            for (const s of sites) check(`${path}: the chart labels site ${s}`, svg.includes(s), svg);
        }
        await download(page, `quality-${name}.csv`);
    }
    is('no CSP violation on the walk', page.cspReports.join(' | '), '');
    await context.close();
}

await run('quality', async (browser) => {
    try {
        await walk(browser);
        pass('quality: every step ran');
    } catch (e) {
        if (!(e instanceof Stop)) throw e;
        fail('quality: every step ran', `stopped at: ${e.message}`);
    }
});

// console_flow.mjs - the web console end to end in Debian's chromium
// (playwright-core), against the server tests/browser/run.sh started:
// a wrong key refused at log-in; log in; create a project; upload normal
// images labelled and anomalous ones unlabelled; a failing upload (a
// corrupt JPEG and a text file) reported; label the anomalies in
// labelling mode; draw a mask with the brush; train; the metrics and the
// test results gallery; host; trial detection with the mask shown; the
// dashboard; stop hosting; a dataset imported from an S3 prefix and a
// separate test dataset from a manifest; delete
// the project with its datasets and model.
// Screenshots of each page go to SHOTS_DIR.
//
// Environment: VIGIL_ENDPOINT, ACCESS_KEY_ID, SECRET_ACCESS_KEY, UPLOAD_DIR
// (normal/, anomaly/, bad/, trial/), PREFIX_URI (an S3 prefix with 3 images
// in normal/ and 2 in anomaly/), MANIFEST_URI (a manifest of 3 images),
// SHOTS_DIR.
import { chromium } from 'playwright-core';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const endpoint = env('VIGIL_ENDPOINT');
const upload = env('UPLOAD_DIR');
const shots = env('SHOTS_DIR');
const files = (dir) => readdirSync(join(upload, dir)).sort().map((f) => join(upload, dir, f));

function step(message) {
  console.log(`ok: ${message}`);
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(error.message));
page.on('console', (message) => {
  if (message.type() === 'error' && /Content.Security.Policy/i.test(message.text())) pageErrors.push(message.text());
});
page.setDefaultTimeout(30000);
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`) });
const okNotice = (text) => page.locator('.notice.ok', { hasText: text }).first().waitFor();

// Polls from Node: page.waitForFunction evaluates strings, which the
// console's Content-Security-Policy (rightly) forbids.
async function waitUntil(what, check, timeout = 30000) {
  for (const end = Date.now() + timeout; Date.now() < end; await new Promise((r) => setTimeout(r, 200)))
    if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
}
// For the screenshots: no notices over the page, the visible thumbnails loaded.
async function dismissNotices() {
  while (await page.locator('.notice .close').count()) await page.locator('.notice .close').first().click();
}
const thumbnailsLoaded = (selector) => waitUntil(`thumbnails of ${selector}`, () => page.locator(selector)
  .evaluateAll((images) => images.slice(0, 6).every((i) => i.complete && i.naturalWidth > 0)));
const cardCount = (selector, n) => waitUntil(`${n} × ${selector}`,
  async () => await page.locator(selector).count() === n);

try {
  // ---------------------------------------------------------------- log-in
  await page.goto(`${endpoint}/console/`);
  await page.fill('#access-key-id', env('ACCESS_KEY_ID'));
  await page.fill('#secret-access-key', 'not-the-secret');
  await page.click('button[type=submit]');
  await page.locator('#login-error', { hasText: 'AccessDeniedException' }).waitFor();
  if (await page.evaluate(() => sessionStorage.length) !== 0) throw new Error('a refused key was kept');
  await shot('login');
  step('a wrong secret is refused at log-in and not kept');
  await page.fill('#secret-access-key', env('SECRET_ACCESS_KEY'));
  await page.click('button[type=submit]');
  await page.locator('h1', { hasText: 'Projects' }).waitFor();
  step('logged in');

  // ---------------------------------------------------------------- project, datasets
  await page.fill('#new-project', 'cookies');
  await page.click('#create-project button');
  await page.locator('#create-train').waitFor();
  await shot('create-dataset');
  await page.setInputFiles('#create-train input[type=file]', files('normal'));
  await page.selectOption('#create-train .label-choice', 'normal');
  await page.click('#create-train button[type=submit]');
  await okNotice(`${files('normal').length} images added to the train dataset`);
  step(`single dataset created from ${files('normal').length} uploaded normal images`);
  await page.locator('#dataset-train').waitFor();
  await page.setInputFiles('#dataset-train input[type=file]', files('anomaly'));
  await page.click('#dataset-train form.add-images button[type=submit]');
  await okNotice(`${files('anomaly').length} images added to the train dataset`);
  step(`${files('anomaly').length} anomalous images added unlabelled`);

  await page.locator('#dataset-train').waitFor();
  await page.setInputFiles('#dataset-train input[type=file]', files('bad'));
  await page.click('#dataset-train form.add-images button[type=submit]');
  await page.locator('.notice.error', { hasText: 'notes.txt was not uploaded: not a JPEG or PNG image' }).waitFor();
  await page.locator('.notice.error', { hasText: 'UPDATE_FAILED_ROLLBACK_COMPLETE' }).waitFor();
  await shot('upload-errors');
  await page.locator('.notice.error .close').first().click();
  await page.locator('.notice.error .close').first().click();
  step('a failing upload is reported: a text file refused, a corrupt JPEG rolled back');

  // ---------------------------------------------------------------- labelling
  await page.selectOption('#filter-labeled', 'false');
  await cardCount('#image-grid .image-card', files('anomaly').length);
  await page.click('#start-labelling');
  await page.click('#select-all');
  await page.click('#classify-anomaly');
  await dismissNotices();
  await page.locator('#gallery').scrollIntoViewIfNeeded();
  await thumbnailsLoaded('#image-grid img.thumb');
  await shot('labelling');
  await page.click('#save-labels');
  await okNotice(`${files('anomaly').length} labels saved`);
  await page.locator('#dataset-train dd', { hasText: String(files('anomaly').length) }).first().waitFor();
  step('unlabelled images classified as anomaly in labelling mode');

  // ---------------------------------------------------------------- mask brush
  // A segmentation model needs a mask on every anomalous training image:
  // one brush stroke each, the class added on the first.
  await page.selectOption('#filter-class', 'anomaly');
  const anomalies = files('anomaly').length;
  await cardCount('#image-grid .image-card[data-label=anomaly]', anomalies);
  await cardCount('#image-grid .image-card', anomalies);
  await page.locator('#image-grid .image-card').first().click();
  for (let i = 0; i < anomalies; i++) {
    await page.locator('#mask-canvas').waitFor();
    const crumbs = await page.locator('.crumbs').textContent();
    if (i === 0) {
      await page.fill('#new-class', 'cracked');
      await page.click('.editor form.inline button');
    }
    await page.locator('.class-item input[type=radio]:checked').waitFor();
    const box = await page.locator('#mask-canvas').boundingBox();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * (0.3 + i * 0.03));
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * (0.4 + i * 0.03), { steps: 8 });
    await page.mouse.up();
    if (i === 0) await shot('mask-editor');
    if (i + 1 < anomalies) {
      await page.click('#save-next');
      await waitUntil('the next image', async () => await page.locator('.crumbs').textContent() !== crumbs);
    } else {
      if (await page.locator('#save-next').count()) throw new Error('"next" after the last image');
      await page.click('#save-mask');
      await okNotice(`${crumbs.split(' / ').at(-1).trim()}: mask saved`);
    }
  }
  await page.click('a.button');
  step(`masks drawn with the brush on the ${anomalies} anomalous images`);
  await page.locator('#image-grid img.mask').first().waitFor();
  await page.selectOption('#filter-mask-class', 'cracked');
  await cardCount('#image-grid .image-card', anomalies);
  await page.selectOption('#filter-mask-class', '');
  await page.selectOption('#filter-class', '');
  await page.selectOption('#filter-labeled', 'true');
  await page.fill('#search', 'anomaly-1');
  await cardCount('#image-grid .image-card', 4);
  await dismissNotices();
  await page.locator('#gallery').scrollIntoViewIfNeeded();
  await thumbnailsLoaded('#image-grid img');
  await shot('datasets');
  step('the gallery shows the mask overlays and filters by anomaly class');

  // ---------------------------------------------------------------- training
  await page.fill('#train-form input[name=description]', 'browser-test');
  await page.fill('#train-form input[name=tags]', 'team=qa');
  await page.click('#train-form button[type=submit]');
  await page.locator('#model-state').waitFor();
  const started = Date.now();
  await page.locator('#model-state', { hasText: /^(TRAINED|TRAINING_FAILED)$/ }).waitFor({ timeout: 240000 });
  if (await page.locator('#model-state').textContent() !== 'TRAINED')
    throw new Error(`training failed: ${await page.locator('#model-message').textContent()}`);
  step(`trained in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await page.locator('#model-tags', { hasText: 'Tags: team=qa' }).waitFor();
  await page.locator('#performance').waitFor();
  await page.locator('#results-summary').waitFor();
  const summary = await page.locator('#results-summary').textContent();
  const f1 = await page.locator('#performance .metric').nth(2).locator('.value').textContent();
  await shot('model');
  await page.selectOption('#result-filter', 'incorrect');
  await page.selectOption('#result-sort', 'confidence-desc');
  await page.locator('#test-results').scrollIntoViewIfNeeded();
  await thumbnailsLoaded('#result-grid img');
  await shot('test-results');
  await page.selectOption('#result-filter', 'all');
  step(`metrics (F1 ${f1}) and the test results gallery: ${summary}`);

  // ---------------------------------------------------------------- hosting, trial detection
  await page.click('#start-form button[type=submit]');
  await page.locator('#model-state', { hasText: /^HOSTED$/ }).waitFor({ timeout: 60000 });
  await page.setInputFiles('#trial-files', files('trial'));
  await page.click('#trial-form button[type=submit]');
  await cardCount('#trial-results .trial-result', files('trial').length);
  const decided = await page.locator('#trial-results .trial-result.anomaly').count();
  if (decided < 1) throw new Error('no trial image was found anomalous');
  await page.locator('#trial-results img.mask').first().waitFor();
  await page.locator('#trial-results').scrollIntoViewIfNeeded();
  await shot('trial-detection');
  const commands = await page.locator('#cli-commands').textContent();
  if (!commands.includes('detect-anomalies --project-name cookies --model-version 1'))
    throw new Error(`commands: ${commands}`);
  step(`hosted; trial detection: ${decided} of ${files('trial').length} anomalous, masks shown`);

  // The dashboard samples the server's /metrics.
  await page.goto(`${endpoint}/console/#/dashboard`);
  // attached, not visible: a flat line has an empty bounding box
  await page.locator('.project-metrics[data-project=cookies] svg.chart path').first()
    .waitFor({ state: 'attached', timeout: 20000 });
  await waitUntil('a second sample', async () =>
    (await page.locator('.project-metrics[data-project=cookies] svg.chart path').first().getAttribute('d')).includes('L'), 20000);
  await shot('dashboard');
  step(`dashboard: ${await page.locator('.project-metrics[data-project=cookies] p').textContent()}`);

  await page.goto(`${endpoint}/console/#/projects/cookies/models/1`);
  await page.click('#stop-model');
  await page.locator('#model-state', { hasText: /^TRAINED$/ }).waitFor({ timeout: 60000 });
  step('hosting stopped');

  // ---------------------------------------------------------------- S3 prefix import
  await page.goto(`${endpoint}/console/#/projects`);
  await page.fill('#new-project', 'imported');
  await page.click('#create-project button');
  await page.selectOption('#create-train select.source', 'prefix');
  await page.fill('#create-train input[name=prefix]', env('PREFIX_URI'));
  await page.click('#create-train button[type=submit]');
  await okNotice('The train dataset holds 5 images');
  await page.locator('#dataset-train dd').nth(2).filter({ hasText: '3' }).waitFor();
  await page.locator('#dataset-train dd').nth(3).filter({ hasText: '2' }).waitFor();
  step('a dataset imported from an S3 prefix, labelled by its normal/ and anomaly/ folders');
  await page.click('details.add-test summary');
  await page.selectOption('#create-test select.source', 'manifest');
  await page.fill('#create-test input[name=manifest]', env('MANIFEST_URI'));
  await page.click('#create-test button[type=submit]');
  await okNotice('The test dataset holds 3 images');
  await page.locator('#dataset-test dd').nth(1).filter({ hasText: '3' }).waitFor();
  await page.locator('.tabs .tab[data-type=test]').click();
  await cardCount('#image-grid .image-card', 3);
  step('a separate test dataset imported from a Ground Truth manifest, shown in its own tab');
  await page.locator('#dataset-test button.danger').click();
  await page.fill('dialog input', 'delet');
  if (!await page.locator('dialog button[type=submit]').isDisabled()) throw new Error('a mistyped word confirmed');
  await page.fill('dialog input', 'delete');
  await page.click('dialog button[type=submit]');
  await page.locator('details.add-test').waitFor();
  if (await page.locator('#dataset-test').count()) throw new Error('the test dataset is still shown');
  step('the test dataset deleted after its typed confirmation');

  // ---------------------------------------------------------------- delete
  await page.goto(`${endpoint}/console/#/projects`);
  await page.locator('#projects a', { hasText: 'cookies' }).waitFor();
  await shot('projects');
  await page.locator('#projects tr', { hasText: 'cookies' }).locator('button.danger').click();
  await page.fill('dialog input', 'delete');
  await page.click('dialog button[type=submit]');
  await okNotice('Project cookies deleted');
  await page.locator('#projects a', { hasText: 'imported' }).waitFor();
  if (await page.locator('#projects a', { hasText: 'cookies' }).count()) throw new Error('cookies is still listed');
  step('project deleted with its datasets and model');

  if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);
} catch (error) {
  await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`FAIL: ${error.message}`);
  if (pageErrors.length) console.error(`page errors: ${pageErrors.join('; ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}

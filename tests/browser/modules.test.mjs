// modules.test.mjs - the console's pure modules under Node (node --test):
// the SigV4 signer against signatures botocore computed for the same
// requests, manifest lines written and read back, and the /metrics parser
// and per-project series on a fixture.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { entryLine, folderLabel, parseEntry } from '../../web/console/js/entries.js';
import { History, parsePrometheus, totalsByProject } from '../../web/console/js/metrics.js';
import { encodeKey, signRequest } from '../../web/console/js/sigv4.js';

const credentials = {
  accessKeyId: 'AKIAVIGILTEST0000001',
  secretAccessKey: 'vigil/test/secret/key/0000000000000000000',
  region: 'us-east-1',
};
const when = new Date(Date.UTC(2026, 10, 27, 3, 0, 0));
const signature = (headers) => /Signature=([0-9a-f]{64})$/.exec(headers.authorization)[1];

test('an API request signs as botocore signs it', async () => {
  const headers = await signRequest({
    method: 'POST', path: '/2020-11-20/projects', body: '{"ProjectName":"cookies"}',
    headers: { 'content-type': 'application/json', host: '127.0.0.1:9000' },
  }, credentials, 'lookoutvision', when);
  assert.match(headers.authorization, /SignedHeaders=content-type;host;x-amz-date,/);
  assert.equal(signature(headers), 'c360d6f850f3e63bf3356269b56ab17cf7b1e91efdf09c800a490cc5910ed9dd');
  assert.equal(headers['x-amz-date'], '20261127T030000Z');
  assert.equal(headers['x-amz-content-sha256'], undefined);
});

test('an S3 request with an encoded query signs as botocore signs it', async () => {
  const headers = await signRequest({
    method: 'GET', path: '/vigil-console', params: [['prefix', "a b/c'"], ['list-type', '2']],
    headers: { host: '127.0.0.1:9000' },
  }, credentials, 's3', when);
  assert.match(headers.authorization, /SignedHeaders=host;x-amz-content-sha256;x-amz-date,/);
  assert.equal(headers['x-amz-content-sha256'],
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(signature(headers), '936745d16b41d32960fcb847c5d39248fd29413d2a940bab9ab659941bd97731');
});

test('keys are encoded segment by segment', () => {
  assert.equal(encodeKey("datasets/my set/it's (1).jpg"), 'datasets/my%20set/it%27s%20%281%29.jpg');
});

test('the metrics fixture parses into samples, skipping what is not one', () => {
  const samples = parsePrometheus(readFileSync(new URL('fixtures/metrics.txt', import.meta.url), 'utf8'));
  assert.equal(samples.length, 9);
  assert.deepEqual(samples[2], {
    name: 'vigil_processed_images_total', labels: { project: 'circuit "boards"', version: '1' }, value: 7,
  });
  assert.equal(samples[3].value, 10); // the timestamp is not the value
  assert.equal(samples.at(-1).name, 'process_start_time_seconds');
  assert.equal(samples.at(-1).value, 1.7e9);
});

test('counters sum per project over versions, and the ratio follows', () => {
  const samples = parsePrometheus(readFileSync(new URL('fixtures/metrics.txt', import.meta.url), 'utf8'));
  const totals = totalsByProject(samples);
  assert.deepEqual(totals.cookies, { processed: 42, anomalies: 11, invalid: 3, errors: 0 });
  assert.deepEqual(totals['circuit "boards"'], { processed: 7, anomalies: 0, invalid: 0, errors: 0 });
  const history = new History(2);
  history.add(1000, { cookies: { processed: 0, anomalies: 0 } });
  history.add(2000, totals);
  history.add(3000, { cookies: { processed: 50, anomalies: 20 } });
  assert.deepEqual(history.projects(), ['circuit "boards"', 'cookies']);
  assert.deepEqual(history.series('cookies').map((p) => [p.time, p.processed, p.ratio]),
    [[2000, 42, 11 / 42], [3000, 50, 0.4]]);
  assert.deepEqual(history.series('circuit "boards"').map((p) => p.ratio), [0, 0]);
});

const datasets = process.env.VIGIL_DATASETS_DIR;
test('a manifest line of the shared cookies parses: label, mask, classes', { skip: !datasets && 'VIGIL_DATASETS_DIR is not set' }, () => {
  const line = readFileSync(`${datasets}/cookies/train.manifest`, 'utf8')
    .split('\n')[0];
  const entry = parseEntry(line);
  assert.equal(entry.sourceRef, 'training-images/anomaly-1.jpg');
  assert.equal(entry.label, 'anomaly');
  assert.equal(entry.maskRef, 'mask-images/anomaly-1.png');
  assert.deepEqual(entry.classes, [{ name: 'cracked', color: '#23a436' }]);
});

test('lines the console writes read back the same', () => {
  const classes = [{ name: 'cracked', color: '#23a436' }, { name: 'burnt', color: '#e6194b' }];
  const masked = parseEntry(entryLine({ sourceRef: 's3://b/a.jpg', label: 'anomaly', maskRef: 's3://b/a.png', classes }));
  assert.deepEqual([masked.label, masked.maskRef, masked.classes], ['anomaly', 's3://b/a.png', classes]);
  const json = JSON.parse(masked.line);
  assert.equal(json['anomaly-label'], 1);
  assert.equal(json['anomaly-mask-ref-metadata']['internal-color-map']['0']['class-name'], 'BACKGROUND');
  const normal = parseEntry(entryLine({ sourceRef: 's3://b/n.jpg', label: 'normal', maskRef: 's3://b/n.png', classes }));
  assert.deepEqual([normal.label, normal.maskRef], ['normal', null]); // a normal image keeps no mask
  const unlabelled = JSON.parse(entryLine({ sourceRef: 's3://b/u.jpg', label: null }));
  assert.deepEqual(unlabelled, { 'source-ref': 's3://b/u.jpg' });
});

test('folders directly under the prefix label the images', () => {
  assert.equal(folderLabel('set/', 'set/normal/a.jpg'), 'normal');
  assert.equal(folderLabel('set', 'set/anomaly/deep/b.jpg'), 'anomaly');
  assert.equal(folderLabel('set/', 'set/other/normal/c.jpg'), null);
  assert.equal(folderLabel('', 'c.jpg'), null);
});

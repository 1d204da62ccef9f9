// datasets.js - the dataset operations behind the console's forms, each a
// sequence of public calls: images uploaded to the console bucket and added
// with UpdateDatasetEntries; datasets created from an S3 prefix (through a
// manifest the console writes) or from a Ground Truth manifest.
import { CONSOLE_BUCKET, lfv, parseS3Uri, s3 } from './client.js';
import { entryLine, folderLabel, isImageKey } from './entries.js';
import { sleep } from './ui.js';

// UpdateDatasetEntries takes at most 10 MiB of lines; entries are small, so
// a fixed count per call keeps well under it.
const LINES_PER_UPDATE = 1000;
const UPLOADS_AT_ONCE = 4;

const FINAL = ['CREATE_COMPLETE', 'CREATE_FAILED', 'UPDATE_COMPLETE', 'UPDATE_FAILED_ROLLBACK_COMPLETE'];

// Polls DescribeDataset until the dataset's create or update finished;
// throws with the server's StatusMessage when it failed.
export async function waitForDataset(project, type) {
  for (;;) {
    const d = (await lfv.describeDataset(project, type)).DatasetDescription;
    if (FINAL.includes(d.Status)) {
      if (d.Status.includes('FAILED')) throw new Error(`${type} dataset ${d.Status}: ${d.StatusMessage || ''}`);
      return d;
    }
    await sleep(500);
  }
}

async function datasetExists(project, type) {
  const datasets = (await lfv.describeProject(project)).ProjectDescription.Datasets || [];
  return datasets.some((d) => d.DatasetType === type);
}

// Adds (or replaces, by source-ref) entries, creating the dataset empty
// first when the project has none of this type.
export async function writeEntries(project, type, lines, onBatch = () => {}) {
  if (!await datasetExists(project, type)) await lfv.createDataset(project, type);
  for (let i = 0; i < lines.length; i += LINES_PER_UPDATE) {
    await lfv.updateEntries(project, type, lines.slice(i, i + LINES_PER_UPDATE));
    await waitForDataset(project, type);
    onBatch(Math.min(i + LINES_PER_UPDATE, lines.length));
  }
}

// Uploads files to s3://vigil-console/datasets/PROJECT/TYPE/ and adds them
// with the given label ('normal', 'anomaly' or null).  progress(done, total,
// note) follows the uploads; answers {added, failed: [{name, message}],
// problem}: the files that did not upload, and why the uploaded ones were
// not added (UpdateDatasetEntries rolls back a batch with a bad image).
export async function uploadImages(project, type, files, label, progress) {
  await s3.ensureBucket(CONSOLE_BUCKET);
  const failed = [];
  const lines = [];
  let done = 0;
  const queue = [...files];
  async function worker() {
    for (let file = queue.shift(); file; file = queue.shift()) {
      try {
        if (!['image/jpeg', 'image/png'].includes(file.type))
          throw new Error('not a JPEG or PNG image');
        const key = `datasets/${project}/${type}/${file.name}`;
        await s3.put(CONSOLE_BUCKET, key, file, file.type);
        lines.push(entryLine({ sourceRef: `s3://${CONSOLE_BUCKET}/${key}`, label }));
      } catch (error) {
        failed.push({ name: file.name, message: error.message });
      }
      progress(++done, files.length, 'uploading');
    }
  }
  await Promise.all(Array.from({ length: UPLOADS_AT_ONCE }, worker));
  let problem = null;
  if (lines.length) {
    progress(done, files.length, 'adding to the dataset');
    await writeEntries(project, type, lines).catch((error) => { problem = error; });
  }
  return { added: problem ? 0 : lines.length, failed, problem };
}

// Creates a dataset from a Ground Truth manifest in S3 ("s3://bucket/key").
export async function createFromManifest(project, type, manifestUri) {
  const location = parseS3Uri(manifestUri);
  if (!location) throw new Error(`"${manifestUri}" is not an s3://bucket/key location`);
  await lfv.createDataset(project, type,
    { GroundTruthManifest: { S3Object: { Bucket: location.bucket, Key: location.key } } });
  return waitForDataset(project, type);
}

// Creates a dataset from the images under an S3 prefix, labelled by their
// normal/ and anomaly/ folders when byFolder, through a manifest written
// to the console bucket.
export async function createFromPrefix(project, type, prefixUri, byFolder) {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(prefixUri);
  if (!match) throw new Error(`"${prefixUri}" is not an s3://bucket/prefix location`);
  const [, bucket, prefix] = match;
  const keys = (await s3.list(bucket, prefix)).filter(isImageKey);
  if (!keys.length) throw new Error(`there are no .jpg or .png images under ${prefixUri}`);
  const lines = keys.map((key) => entryLine({
    sourceRef: `s3://${bucket}/${key}`, label: byFolder ? folderLabel(prefix, key) : null,
  }));
  await s3.ensureBucket(CONSOLE_BUCKET);
  const manifestKey = `manifests/${project}/${type}-${Date.now()}.manifest`;
  await s3.put(CONSOLE_BUCKET, manifestKey, new TextEncoder().encode(lines.join('\n') + '\n'));
  return createFromManifest(project, type, `s3://${CONSOLE_BUCKET}/${manifestKey}`);
}

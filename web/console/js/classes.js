// classes.js - a project's anomaly classes and their colours, kept by the
// console in s3://vigil-console/projects/PROJECT/classes.json and merged
// with the classes the dataset's masks already use.
import { CONSOLE_BUCKET, s3 } from './client.js';

const PALETTE = ['#23a436', '#e6194b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45'];

const key = (project) => `projects/${project}/classes.json`;

export async function loadClasses(project) {
  const response = await s3.get(CONSOLE_BUCKET, key(project));
  return response ? response.json() : [];
}

export async function saveClasses(project, classes) {
  await s3.ensureBucket(CONSOLE_BUCKET);
  await s3.put(CONSOLE_BUCKET, key(project), new TextEncoder().encode(JSON.stringify(classes)),
    'application/json');
}

// Adds the classes seen in entries that the list does not have yet.
export function mergeClasses(classes, seen) {
  const merged = [...classes];
  for (const c of seen)
    if (!merged.some((m) => m.name === c.name)) merged.push({ name: c.name, color: c.color });
  return merged;
}

// A colour no class uses yet (masks need one distinct colour per class).
export function freeColor(classes) {
  const used = new Set(classes.map((c) => c.color.toLowerCase()));
  return PALETTE.find((c) => !used.has(c)) ||
    '#' + Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('');
}

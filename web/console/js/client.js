// client.js - the console's only way to the server: the Lookout for Vision
// API (/2020-11-20/...) and the S3 endpoint, every request signed with the
// access key the user logged in with.  The key lives in sessionStorage, so
// it is gone when the tab closes and never leaves this origin.
import { encodeKey, presignGet, signRequest, uriEncode } from './sigv4.js';

const SESSION_KEY = 'vigil.credentials';
const API = '/2020-11-20';
// Where the console keeps what it uploads: images, masks, manifests, models.
export const CONSOLE_BUCKET = 'vigil-console';

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message || `${type || 'Error'} (HTTP ${status})`);
    this.status = status;
    this.type = type;
  }
}

export function credentials() {
  const text = sessionStorage.getItem(SESSION_KEY);
  return text ? JSON.parse(text) : null;
}

export function logIn(creds) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(creds));
}

export function logOut() {
  sessionStorage.removeItem(SESSION_KEY);
}

async function signedFetch(service, method, path, { params = [], headers = {}, body } = {}) {
  const creds = credentials();
  if (!creds) throw new ApiError(401, 'NotLoggedIn', 'Log in first.');
  const signed = await signRequest({ method, path, params, headers: { ...headers, host: location.host }, body },
    creds, service);
  const query = params.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  return fetch(path + (query ? '?' + query : ''), {
    method, body, headers: { ...headers, ...signed }, cache: 'no-store',
  });
}

// One API call; answers the parsed JSON or throws ApiError with the
// server's type (x-amzn-ErrorType) and message.
export async function api(method, path, { params, body, headers, raw } = {}) {
  const text = body === undefined || raw ? body : JSON.stringify(body);
  const response = await signedFetch('lookoutvision', method, API + path, {
    params,
    body: text,
    headers: raw ? headers : text === undefined ? {} : { 'content-type': 'application/json' },
  });
  const answer = await response.text();
  const json = answer ? JSON.parse(answer) : {};
  if (!response.ok) {
    const type = (response.headers.get('x-amzn-ErrorType') || '').split(':')[0];
    throw new ApiError(response.status, type, json.Message || json.message);
  }
  return json;
}

const name = (text) => encodeURIComponent(text);

export const lfv = {
  listProjects: (token) => api('GET', '/projects', { params: token ? [['nextToken', token]] : [] }),
  createProject: (project) => api('POST', '/projects', { body: { ProjectName: project } }),
  describeProject: (project) => api('GET', `/projects/${name(project)}`),
  deleteProject: (project) => api('DELETE', `/projects/${name(project)}`),
  createDataset: (project, type, source) => api('POST', `/projects/${name(project)}/datasets`,
    { body: source ? { DatasetType: type, DatasetSource: source } : { DatasetType: type } }),
  describeDataset: (project, type) => api('GET', `/projects/${name(project)}/datasets/${type}`),
  deleteDataset: (project, type) => api('DELETE', `/projects/${name(project)}/datasets/${type}`),
  listEntries: (project, type, params) =>
    api('GET', `/projects/${name(project)}/datasets/${type}/entries`, { params }),
  updateEntries: (project, type, lines) =>
    api('PATCH', `/projects/${name(project)}/datasets/${type}/entries`,
      { body: { Changes: base64Utf8(lines.join('\n') + '\n') } }),
  createModel: (project, request) => api('POST', `/projects/${name(project)}/models`, { body: request }),
  listModels: (project) => api('GET', `/projects/${name(project)}/models`),
  describeModel: (project, version) => api('GET', `/projects/${name(project)}/models/${version}`),
  deleteModel: (project, version) => api('DELETE', `/projects/${name(project)}/models/${version}`),
  startModel: (project, version, min, max) => api('POST',
    `/projects/${name(project)}/models/${version}/start`,
    { body: max ? { MinInferenceUnits: min, MaxInferenceUnits: max } : { MinInferenceUnits: min } }),
  stopModel: (project, version) => api('POST', `/projects/${name(project)}/models/${version}/stop`),
  listTags: (arn) => api('GET', `/tags/${encodeURIComponent(arn)}`),
  detectAnomalies: (project, version, bytes, contentType) => api('POST',
    `/projects/${name(project)}/models/${version}/detect`,
    { body: bytes, raw: true, headers: { 'content-type': contentType } }),
};

function base64Utf8(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function s3Error(response) {
  const text = await response.text();
  const doc = text ? new DOMParser().parseFromString(text, 'application/xml') : null;
  const field = (tag) => doc?.getElementsByTagName(tag)[0]?.textContent;
  return new ApiError(response.status, field('Code') || 'S3Error',
    field('Message') || `S3 answered HTTP ${response.status}`);
}

export const s3 = {
  // Creates the bucket unless the caller already owns it.
  async ensureBucket(bucket) {
    const response = await signedFetch('s3', 'PUT', '/' + bucket);
    if (response.ok) return;
    const error = await s3Error(response);
    if (error.type !== 'BucketAlreadyOwnedByYou') throw error;
  },
  async put(bucket, key, body, contentType) {
    const bytes = body instanceof Blob ? new Uint8Array(await body.arrayBuffer()) : body;
    const response = await signedFetch('s3', 'PUT', `/${bucket}/${encodeKey(key)}`,
      { body: bytes, headers: contentType ? { 'content-type': contentType } : {} });
    if (!response.ok) throw await s3Error(response);
  },
  // The object's bytes as a Response, or null when it does not exist.
  async get(bucket, key) {
    const response = await signedFetch('s3', 'GET', `/${bucket}/${encodeKey(key)}`);
    if (response.status === 404) return null;
    if (!response.ok) throw await s3Error(response);
    return response;
  },
  // Every key under the prefix (ListObjectsV2, following continuation tokens).
  async list(bucket, prefix) {
    const keys = [];
    let token = null;
    do {
      const params = [['list-type', '2'], ['prefix', prefix]];
      if (token) params.push(['continuation-token', token]);
      const response = await signedFetch('s3', 'GET', '/' + bucket, { params });
      if (!response.ok) throw await s3Error(response);
      const doc = new DOMParser().parseFromString(await response.text(), 'application/xml');
      for (const node of doc.getElementsByTagName('Key')) keys.push(node.textContent);
      const truncated = doc.getElementsByTagName('IsTruncated')[0]?.textContent === 'true';
      token = truncated ? doc.getElementsByTagName('NextContinuationToken')[0]?.textContent : null;
    } while (token);
    return keys;
  },
  url: (bucket, key) => presignGet(location.host, `/${bucket}/${encodeKey(key)}`, credentials()),
};

// "s3://bucket/key" -> {bucket, key}, or null.
export function parseS3Uri(uri) {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri || '');
  return match ? { bucket: match[1], key: match[2] } : null;
}

export function s3UriUrl(uri) {
  const parsed = parseS3Uri(uri);
  return parsed ? s3.url(parsed.bucket, parsed.key) : Promise.resolve('');
}

// sigv4.js - AWS Signature Version 4 in the browser (Web Crypto), the way
// botocore signs: the Authorization header form for API and S3 requests and
// the presigned-URL form for images shown with <img src>.
//
// The Lookout for Vision API's canonical URI is the path encoded a second
// time; S3's is the path as sent (src/sigv4.c verifies the same rules).

const encoder = new TextEncoder();

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

async function hmac(key, text) {
  const raw = typeof key === 'string' ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' },
    false, ['sign']);
  return crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(text));
}

// RFC 3986 encoding: encodeURIComponent leaves !'()* alone, SigV4 does not.
export function uriEncode(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// An S3 key as a path: each segment encoded, the slashes kept.
export function encodeKey(key) {
  return key.split('/').map(uriEncode).join('/');
}

export function amzDate(now = new Date()) {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function canonicalUri(path, service) {
  if (service === 's3') return path || '/';
  return path.split('/').map(uriEncode).join('/');
}

// The query as "k=v&..." sorted by key then value; params is [[k, v], ...].
function canonicalQuery(params) {
  return params.map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
}

// Derived keys change once a day; a gallery presigns a hundred URLs at once.
const keyCache = new Map();

function signingKey(secret, date, region, service) {
  const id = [secret, date, region, service].join('\n');
  if (!keyCache.has(id)) {
    keyCache.clear();
    keyCache.set(id, deriveKey(secret, date, region, service));
  }
  return keyCache.get(id);
}

async function deriveKey(secret, date, region, service) {
  const kDate = await hmac('AWS4' + secret, date);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

// The headers to add to a request: authorization, x-amz-date and, for S3
// (which wants it, like botocore sends it), x-amz-content-sha256.  request: {method, path (encoded), params,
// headers (lower-case names, values signed as given), body (bytes or
// string)}; credentials: {accessKeyId, secretAccessKey, region}.
export async function signRequest(request, credentials, service, now = new Date()) {
  const stamp = amzDate(now);
  const date = stamp.slice(0, 8);
  const body = request.body ?? '';
  const payloadHash = await sha256Hex(typeof body === 'string' ? encoder.encode(body) : body);
  const added = { 'x-amz-date': stamp };
  if (service === 's3') added['x-amz-content-sha256'] = payloadHash;
  const headers = { ...request.headers, ...added };
  const names = Object.keys(headers).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${String(lower[n]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonical = [request.method, canonicalUri(request.path, service),
    canonicalQuery(request.params || []), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${credentials.region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, await sha256Hex(canonical)].join('\n');
  const key = await signingKey(credentials.secretAccessKey, date, credentials.region, service);
  const signature = hex(await hmac(key, toSign));
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`,
    ...added,
  };
}

// A presigned S3 GET URL (path-style) valid for `expires` seconds.
export async function presignGet(host, path, credentials, expires = 3600, now = new Date()) {
  const stamp = amzDate(now);
  const date = stamp.slice(0, 8);
  const scope = `${date}/${credentials.region}/s3/aws4_request`;
  const params = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', stamp],
    ['X-Amz-Expires', String(expires)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const query = canonicalQuery(params);
  const canonical = ['GET', path, query, `host:${host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, await sha256Hex(canonical)].join('\n');
  const key = await signingKey(credentials.secretAccessKey, date, credentials.region, 's3');
  return `${path}?${query}&X-Amz-Signature=${hex(await hmac(key, toSign))}`;
}

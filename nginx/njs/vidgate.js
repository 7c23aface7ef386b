// Vidgate's data-plane checks, run by nginx (njs 0.7.9 and later).
// The signing scheme is specified in nginx/README.md and implemented for the
// services in services/common/src/signing.ts; both run nginx/signing-vectors.json.
// Written for njs 0.7.9: var, no for...of, no crypto.timingSafeEqual.
var crypto = require('crypto');

var SCHEME = 'vidgate-v1';
var SEGMENT = /^[A-Za-z0-9._~+=,@-]+$/;
var KID = /^[A-Za-z0-9_-]{1,32}$/;
var SIG = /^[A-Za-z0-9_-]{43}$/;
var EXP = /^[1-9][0-9]{0,10}$/;
var MEDIA_PREFIX = '/media/';

function pathIsValid(path) {
    if (path.length < 2 || path.length > 1025 || path.charAt(0) !== '/') return false;
    var segments = path.slice(1).split('/');
    for (var i = 0; i < segments.length; i++) {
        var s = segments[i];
        if (s === '' || s === '.' || s === '..' || !SEGMENT.test(s)) return false;
    }
    return true;
}

function parseQuery(raw) {
    if (raw === '') return 'signature_missing';
    var seen = {};
    var pairs = raw.split('&');
    for (var i = 0; i < pairs.length; i++) {
        var eq = pairs[i].indexOf('=');
        var name = eq < 0 ? pairs[i] : pairs[i].slice(0, eq);
        if ((name !== 'exp' && name !== 'kid' && name !== 'sig') || seen.hasOwnProperty(name)) {
            return 'query_not_allowed';
        }
        seen[name] = eq < 0 ? '' : pairs[i].slice(eq + 1);
    }
    if (!seen.hasOwnProperty('exp') || !seen.hasOwnProperty('kid') || !seen.hasOwnProperty('sig')) {
        return 'signature_missing';
    }
    return seen;
}

// Constant time for equal lengths; a length mismatch reveals only the length.
function sameString(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return diff === 0;
}

function deny(status, error) {
    return { status: status, error: error };
}

// keyFor(kid) returns the key for a key id, or '' when the id is unknown.
function verify(path, rawQuery, keyFor, now) {
    if (!pathIsValid(path)) return deny(403, 'path_invalid');
    var q = parseQuery(rawQuery);
    if (typeof q === 'string') return deny(403, q);
    if (!EXP.test(q.exp) || !KID.test(q.kid) || !SIG.test(q.sig)) return deny(403, 'signature_invalid');
    var key = keyFor(q.kid);
    if (!key) return deny(403, 'key_unknown');
    var canonical = SCHEME + '\n' + q.kid + '\n' + q.exp + '\n' + path;
    var expected = crypto.createHmac('sha256', key).update(canonical).digest('base64url');
    if (!sameString(expected, q.sig)) return deny(403, 'signature_invalid');
    if (Number(q.exp) <= now) return deny(410, 'signature_expired');
    return { status: 200 };
}

function sendError(r, status, error) {
    r.headersOut['Content-Type'] = 'application/json';
    r.headersOut['Cache-Control'] = 'no-store';
    r.return(status, '{"error":"' + error + '"}\n');
}

// js_content for the signed media location (hmac mode).
function media(r) {
    if (r.method !== 'GET' && r.method !== 'HEAD') {
        r.headersOut['Allow'] = 'GET, HEAD';
        r.variables.vidgate_reject = 'method_not_allowed';
        return sendError(r, 405, 'method_not_allowed');
    }
    var kid = r.variables.arg_kid;
    var keyFor = function (k) { return k === kid ? r.variables.vidgate_signing_key : ''; };
    var verdict = verify(r.uri, r.variables.args || '', keyFor, Math.floor(Date.now() / 1000));
    if (verdict.status !== 200) {
        r.variables.vidgate_reject = verdict.error;
        return sendError(r, verdict.status, verdict.error);
    }
    r.internalRedirect('@minio');
}

// --- upstream: SigV4 query-string authentication for the private bucket ---

function hmac(key, data) {
    return crypto.createHmac('sha256', key).update(data).digest();
}

function awsEncode(s) {
    return encodeURIComponent(s).replace(/[!'()*]/g, function (c) {
        return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    });
}

// The request target nginx sends to MinIO: /<bucket>/<key> presigned for 60 s
// with the read-only user's credentials. Only the validated path is used; the
// client's query string never reaches MinIO.
function presignUpstream(opts) {
    var iso = opts.now.toISOString(); // 2026-11-22T08:12:34.567Z
    var day = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
    var amzDate = day + 'T' + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
    var scope = day + '/' + opts.region + '/s3/aws4_request';
    // A validated key has no !'()*, so encodeURIComponent already encodes it as AWS does.
    var uri = '/' + opts.bucket + '/' + opts.key.split('/').map(encodeURIComponent).join('/');
    var query = 'X-Amz-Algorithm=AWS4-HMAC-SHA256'
        + '&X-Amz-Credential=' + awsEncode(opts.accessKey + '/' + scope)
        + '&X-Amz-Date=' + amzDate
        + '&X-Amz-Expires=60'
        + '&X-Amz-SignedHeaders=host';
    var canonical = opts.method + '\n' + uri + '\n' + query + '\n'
        + 'host:' + opts.host + '\n\nhost\nUNSIGNED-PAYLOAD';
    var toSign = 'AWS4-HMAC-SHA256\n' + amzDate + '\n' + scope + '\n'
        + crypto.createHash('sha256').update(canonical).digest('hex');
    var signingKey = hmac(hmac(hmac(hmac('AWS4' + opts.secretKey, day), opts.region), 's3'), 'aws4_request');
    var signature = crypto.createHmac('sha256', signingKey).update(toSign).digest('hex');
    return uri + '?' + query + '&X-Amz-Signature=' + signature;
}

// js_set $vidgate_s3_uri. Always a GET: the cache fetches HEAD requests with GET.
function s3Uri(r) {
    var v = r.variables;
    return presignUpstream({
        method: 'GET',
        key: r.uri.slice(MEDIA_PREFIX.length),
        bucket: v.vidgate_s3_bucket,
        region: v.vidgate_s3_region,
        host: v.vidgate_s3_host,
        accessKey: v.vidgate_s3_access_key,
        secretKey: v.vidgate_s3_secret_key,
        now: new Date()
    });
}

// js_set $vidgate_cache_control, for a validated media response: immutable for
// the rest of its URL's life (exp in hmac mode, expires in md5 mode), so a
// browser or CDN keeps it no longer than the signature lets anyone fetch it; a
// playlist stored as media is not shared.
function cacheControl(r) {
    if (r.uri.slice(-5) === '.m3u8') return 'private, no-cache';
    var exp = Number(r.args.exp || r.args.expires);
    var left = exp - Math.floor(Date.now() / 1000);
    return left > 0 ? 'public, max-age=' + left + ', immutable' : 'no-store';
}

export default { verify: verify, media: media, s3Uri: s3Uri, cacheControl: cacheControl, presignUpstream: presignUpstream };

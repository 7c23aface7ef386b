// Vidgate's data-plane checks, run by nginx (njs 0.7.9 and later).
// The signing scheme is specified in nginx/README.md and implemented for the
// services in services/common/src/signing.ts; both run nginx/signing-vectors.json.
// Written for njs 0.7.9: var, no for...of, no crypto.timingSafeEqual (sameString).
var crypto = require('crypto');

var SCHEME = 'vidgate-v1';
// Every pattern ends with (?![\s\S]), not $: njs's regular expressions are
// PCRE's, where $ also matches before a final "\n", so "sig=<sig>\n" passed
// as "sig=<sig>" (JavaScript's $, in the services, does not).
// A path of segments of [A-Za-z0-9._~+=,@-], none "." or "..", as every
// signed path is (services/common/src/object-key.ts): one test.
var SAFE_PATH = /^(?:\/(?!\.\.?(?:\/|(?![\s\S])))[A-Za-z0-9._~+=,@-]+)+(?![\s\S])/;
// The query as the services write it; any other order goes through parseQuery.
var CANONICAL_QUERY = /^exp=([1-9][0-9]{0,10})&kid=([A-Za-z0-9_-]{1,32})&sig=([A-Za-z0-9_-]{43})(?![\s\S])/;
var KID = /^[A-Za-z0-9_-]{1,32}(?![\s\S])/;
var SIG = /^[A-Za-z0-9_-]{43}(?![\s\S])/;
var EXP = /^[1-9][0-9]{0,10}(?![\s\S])/;
var MEDIA_PREFIX = '/media/';

function pathIsValid(path) {
    return path.length <= 1025 && SAFE_PATH.test(path);
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
    if (!EXP.test(seen.exp) || !KID.test(seen.kid) || !SIG.test(seen.sig)) return 'signature_invalid';
    return seen;
}

// Compares two signatures without revealing, through its timing, how much of
// one matches the other: it compares their hashes instead (the "double HMAC"
// check). An attacker can hash a guess but not the expected signature, so the
// time the comparison takes tells nothing about it. A character loop does the
// same in njs at five times the cost (17 us).
function sameString(a, b) {
    return crypto.createHash('sha256').update(a).digest('base64') === crypto.createHash('sha256').update(b).digest('base64');
}

function deny(status, error) {
    return { status: status, error: error };
}

// keyFor(kid) returns the key for a key id, or '' when the id is unknown.
function verify(path, rawQuery, keyFor, now) {
    if (!pathIsValid(path)) return deny(403, 'path_invalid');
    var m = CANONICAL_QUERY.exec(rawQuery);
    var q = m ? { exp: m[1], kid: m[2], sig: m[3] } : parseQuery(rawQuery);
    if (typeof q === 'string') return deny(403, q);
    var key = keyFor(q.kid);
    if (!key) return deny(403, 'key_unknown');
    var canonical = SCHEME + '\n' + q.kid + '\n' + q.exp + '\n' + path;
    var expected = crypto.createHmac('sha256', key).update(canonical).digest('base64url');
    if (!sameString(expected, q.sig)) return deny(403, 'signature_invalid');
    if (Number(q.exp) <= now) return deny(410, 'signature_expired');
    return { status: 200 };
}

// js_set $vidgate_refusal, for the signed media location (hmac mode): "" when
// the request may be served, else the error code nginx answers with (the
// status per code is in media-hmac.conf). Evaluated before the cache is asked:
// nothing is served without a valid signature.
function refusal(r) {
    var error = '';
    if (r.method !== 'GET' && r.method !== 'HEAD') {
        error = 'method_not_allowed';
    } else {
        // nginx's $arg_* rather than r.args, here and in cacheControl: r.args
        // parses the whole query into an object, in each call; not doing so
        // saved ~15 us of the ~130 us of nginx CPU of a 100 KB cache hit
        // (measured). A query that passes verify() (or media-md5's pattern)
        // names each parameter once, in plain characters: both read the same.
        var v = r.variables;
        var keyFor = function (k) { return k === v.arg_kid ? v.vidgate_signing_key : ''; };
        var verdict = verify(r.uri, v.args || '', keyFor, Math.floor(Date.now() / 1000));
        if (verdict.status !== 200) error = verdict.error;
    }
    r.variables.vidgate_reject = error;
    return error;
}

// --- upstream: SigV4 header authentication for the private bucket ---

function hmac(key, data) {
    return crypto.createHmac('sha256', key).update(data).digest();
}

// SigV4 (header form, UNSIGNED-PAYLOAD) of a GET of /<bucket>/<key>: the
// X-Amz-Date and Authorization headers. Only the validated path is signed; the
// client's query string and headers never reach MinIO.
function signUpstream(opts) {
    var iso = opts.now.toISOString(); // 2026-11-22T08:12:34.567Z
    var day = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
    var amzDate = day + 'T' + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
    var scope = day + '/' + opts.region + '/s3/aws4_request';
    // A validated key has no !'()*, so encodeURIComponent already encodes it as AWS does.
    var uri = '/' + opts.bucket + '/' + opts.key.split('/').map(encodeURIComponent).join('/');
    var canonical = 'GET\n' + uri + '\n\n'
        + 'host:' + opts.host + '\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:' + amzDate + '\n\n'
        + 'host;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD';
    var toSign = 'AWS4-HMAC-SHA256\n' + amzDate + '\n' + scope + '\n'
        + crypto.createHash('sha256').update(canonical).digest('hex');
    var signingKey = hmac(hmac(hmac(hmac('AWS4' + opts.secretKey, day), opts.region), 's3'), 'aws4_request');
    var signature = crypto.createHmac('sha256', signingKey).update(toSign).digest('hex');
    return {
        amzDate: amzDate,
        authorization: 'AWS4-HMAC-SHA256 Credential=' + opts.accessKey + '/' + scope
            + ', SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=' + signature
    };
}

// js_set $vidgate_s3_authorization. nginx evaluates it only when it goes to
// MinIO (a miss or a revalidation), never for a cache hit; it leaves the date it
// signed in $vidgate_s3_date, the X-Amz-Date header set after it.
function s3Authorization(r) {
    var v = r.variables;
    var signed = signUpstream({
        key: r.uri.slice(MEDIA_PREFIX.length),
        bucket: v.vidgate_s3_bucket,
        region: v.vidgate_s3_region,
        host: v.vidgate_s3_host,
        accessKey: v.vidgate_s3_access_key,
        secretKey: v.vidgate_s3_secret_key,
        now: new Date()
    });
    v.vidgate_s3_date = signed.amzDate;
    return signed.authorization;
}

// js_set $vidgate_cache_control, for a validated media response: immutable for
// the rest of its URL's life (exp in hmac mode, expires in md5 mode), so a
// browser or CDN keeps it no longer than the signature lets anyone fetch it; a
// playlist stored as media is not shared.
function cacheControl(r) {
    if (r.uri.slice(-5) === '.m3u8') return 'private, no-cache';
    var exp = Number(r.variables.arg_exp || r.variables.arg_expires);
    var left = exp - Math.floor(Date.now() / 1000);
    return left > 0 ? 'public, max-age=' + left + ', immutable' : 'no-store';
}

export default { verify: verify, refusal: refusal, s3Authorization: s3Authorization, cacheControl: cacheControl, signUpstream: signUpstream };

// Runs a batch of requests through the njs validator with the njs CLI, so that
// thousands of cases cost one njs start:
//   njs -p nginx/njs test/njs/verify-batch.js <batch.json> <verdicts.jsonl>
// The batch: { "now": <unix s>, "rings": [[[kid, key], ...], ...],
//              "cases": [{ "ring": <index in rings>, "path", "query" }, ...] }.
// Writes one JSON line per case, in order, with the path and query it read, so
// the caller can check they crossed the file unchanged
// (test/njs-signing-property.test.ts). Written to a file: the njs CLI's
// console.log cuts lines at 2048 bytes.
import vidgate from 'vidgate.js';
import fs from 'fs';

var argv = process.argv;
var batch = JSON.parse(fs.readFileSync(argv[argv.length - 2], 'utf8'));
// A list, not an object: "__proto__" and "hasOwnProperty" are valid key ids.
var keyIn = function (ring) {
    return function (kid) {
        for (var i = 0; i < ring.length; i++) {
            if (ring[i][0] === kid) return ring[i][1];
        }
        return '';
    };
};
var lines = batch.cases.map(function (c) {
    var got = vidgate.verify(c.path, c.query, keyIn(batch.rings[c.ring]), batch.now);
    return JSON.stringify({ status: got.status, error: got.error, path: c.path, query: c.query });
});
fs.writeFileSync(argv[argv.length - 1], lines.join('\n') + '\n');

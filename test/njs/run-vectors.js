// Runs nginx/signing-vectors.json through the njs validator with the njs CLI:
//   njs -p nginx/njs test/njs/run-vectors.js nginx/signing-vectors.json
// Prints one JSON line per vector; test/njs-vectors.test.ts compares them.
import vidgate from 'vidgate.js';
import fs from 'fs';

var vectors = JSON.parse(fs.readFileSync(process.argv[process.argv.length - 1]));
var keyFor = function (kid) { return vectors.keys.hasOwnProperty(kid) ? vectors.keys[kid] : ''; };
vectors.verify.forEach(function (v) {
    var got = vidgate.verify(v.path, v.query, keyFor, vectors.now);
    console.log(JSON.stringify({ name: v.name, status: got.status, error: got.error }));
});

// Prints the SigV4 headers njs computes for the upstream GET given as JSON in
// the last argument: njs -p nginx/njs test/njs/sign-upstream.js '<json>'
import vidgate from 'vidgate.js';

var input = JSON.parse(process.argv[process.argv.length - 1]);
input.now = new Date(input.now);
console.log(JSON.stringify(vidgate.signUpstream(input)));

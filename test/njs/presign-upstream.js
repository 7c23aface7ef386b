// Prints the upstream target njs presigns for the request given as JSON in the
// last argument: njs -p nginx/njs test/njs/presign-upstream.js '<json>'
import vidgate from 'vidgate.js';

var input = JSON.parse(process.argv[process.argv.length - 1]);
input.now = new Date(input.now);
console.log(vidgate.presignUpstream(input));

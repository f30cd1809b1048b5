// Sequential walks, as phones send them: each of CONNECTIONS connections walks dial -> 1 -> 1*PIN,
// one hop after the other (the next hop is sent only once the screen before it came back), with a
// fresh sessionId per walk. ../shared/bench/peers/journey2.lua sends a walk's three hops on three
// connections at once, out of order; this is the traffic a gateway really sends. Every reply to
// the PIN hop must contain EXPECT (the contributions screen), else it is counted as wrong.
//   node sequential_journey.js URL PHONE PIN EXPECT SECONDS [CONNECTIONS]
// (autocannon, from npm; bench/side_by_side.py --sequential installs it into var/bench-peer.)
const autocannon = require('autocannon');

const [url, phone, pin, expect, seconds, connections] = process.argv.slice(2);
let walks = 0;
let wrong = 0;
const headers = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (context, text) =>
  `sessionId=${context.sid}&serviceCode=%2A211%23&networkCode=41801&phoneNumber=${encodeURIComponent(phone)}&text=${text}`;

autocannon({
  url,
  connections: Number(connections || 50),
  duration: Number(seconds),
  requests: [
    {
      method: 'POST', headers,
      setupRequest: (request, context) => {
        walks += 1;
        context.sid = `q${walks}x${Math.random().toString(36).slice(2)}`;
        return { ...request, body: form(context, '') };
      },
    },
    { method: 'POST', headers, setupRequest: (request, context) => ({ ...request, body: form(context, '1') }) },
    {
      method: 'POST', headers,
      setupRequest: (request, context) => ({ ...request, body: form(context, `1%2A${pin}`) }),
      onResponse: (status, body) => { if (status !== 200 || !body.includes(expect)) wrong += 1; },
    },
  ],
}, (error, result) => {
  if (error) throw error;
  const seconds_ = result.duration;
  process.stdout.write(`hops/s ${(result.requests.total / seconds_).toFixed(0)} p50_ms ${result.latency.p50} ` +
    `p99_ms ${result.latency.p99} non2xx ${result.non2xx} sockerr ${result.errors} wrong ${wrong}\n`);
});

// Logs through the server's sink with whatever stderr the parent gave, then says it is alive.
import { createLogger } from '../../src/log.ts';
import { fdLogSink } from '../../src/node/log-sink.ts';

const sink = fdLogSink(2);
const log = createLogger((line) => sink.write(line));
for (let i = 0; i < 100; i++) log.log('error', 'store unavailable', { i });
// Give an asynchronous 'error' event, were there one, the chance to kill the process first.
setTimeout(() => process.stdout.write(JSON.stringify({ alive: true, dropped: sink.dropped }) + '\n'), 200);

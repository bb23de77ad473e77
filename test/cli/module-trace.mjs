// Loaded with `node --import`: prints every module the process loads, one URL a line, on stderr
// prefixed with `loaded `, so a test can see what a CLI command pulled in.
import { registerHooks } from 'node:module';

registerHooks({
  load(url, context, nextLoad) {
    process.stderr.write(`loaded ${url}\n`);
    return nextLoad(url, context);
  },
});

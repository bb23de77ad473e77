import { importSealKey, seal } from '../../keys/seal.ts';
import { args, common } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate secret seal NAME < secret

Reads a secret from standard input and prints it sealed (AES-256-GCM, bound to NAME) with the
key in $TOLLGATE_SEAL_KEY (base64, 32 bytes), for a sealed-secret provider's config.`;

export async function secretCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return console.log(HELP), 0;
  if (sub !== 'seal') throw new CliError(HELP, 2);
  const { values: v, positionals } = args(rest, common, HELP, 1);
  if (v.help) return console.log(HELP), 0;
  const name = positionals[0];
  if (!name) throw new CliError(`NAME is required\n\n${HELP}`, 2);
  const keyText = process.env.TOLLGATE_SEAL_KEY;
  if (!keyText) throw new CliError('set TOLLGATE_SEAL_KEY', 2);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (!secret) throw new CliError('no secret on standard input', 2);
  console.log(await seal(await importSealKey(keyText), name, secret));
  return 0;
}

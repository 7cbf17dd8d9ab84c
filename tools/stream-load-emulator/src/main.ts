/**
 * Runs an emulator as a long-lived process (tools/services/doris-emulator and starrocks-emulator start it):
 * `node --import tsx src/main.ts doris|starrocks`. Ports, version, user and storage come from the environment.
 */
import { DEFAULT_VERSIONS, startEmulator, type FlavourKind } from './index.js';

const kind = process.argv[2] as FlavourKind;
if (kind !== 'doris' && kind !== 'starrocks') {
  process.stderr.write('usage: main.ts doris|starrocks\n');
  process.exit(2);
}
const P = kind === 'doris' ? 'CDC_DORIS' : 'CDC_STARROCKS';
const env = (k: string, d: string): string => process.env[`${P}_${k}`] ?? d;
const defaults = kind === 'doris' ? { fe: '18030', be: '18040', mysql: '19030' } : { fe: '18130', be: '18140', mysql: '19130' };
const emu = await startEmulator({
  flavour: kind,
  version: env('VERSION', DEFAULT_VERSIONS[kind]),
  storage: { host: '127.0.0.1', port: Number(process.env.CDC_MARIADB_PORT ?? 13306), user: 'cdc', password: 'cdc' },
  feHttpPort: Number(env('FE_HTTP_PORT', defaults.fe)),
  beHttpPort: Number(env('BE_HTTP_PORT', defaults.be)),
  mysqlPort: Number(env('FE_MYSQL_PORT', defaults.mysql)),
  user: env('USER', 'root'),
  password: env('PASSWORD', ''),
});
process.stdout.write(`${kind} ${emu.flavour.version} emulator: FE http ${emu.feHttpPort}, BE http ${emu.beHttpPort}, FE mysql ${emu.mysqlPort}\n`);
const stop = () => void emu.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

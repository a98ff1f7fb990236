// A real agent in its own process, so a test can SIGKILL it mid-job (a crash, not a graceful stop).
// argv[2]: JSON { credential, journalFile, printer: { host, port, profileId } }
import { Agent } from '../agent/agent.ts';
import { getProfile } from '../encoding/printer-profile.ts';
import { TcpTransport } from '../drivers/byte-transport.ts';
import { EscPosPrinterDriver } from '../drivers/escpos-printer.driver.ts';

const cfg = JSON.parse(process.argv[2]!) as {
  credential: ConstructorParameters<typeof Agent>[0]['credential'];
  journalFile: string;
  printer: { host: string; port: number; profileId: string };
};
const profile = getProfile(cfg.printer.profileId);
const agent = new Agent({
  credential: cfg.credential,
  journalFile: cfg.journalFile,
  devices: [{
    deviceId: 'printer-1', name: 'virtual', kind: 'printer', profile,
    driver: new EscPosPrinterDriver({ profile, transport: () => new TcpTransport(cfg.printer.host, cfg.printer.port), statusTimeoutMs: 5000 }),
  }],
  minBackoffMs: 50,
});
agent.on('connected', () => process.stdout.write('connected\n'));
agent.on('executing', (id: string) => process.stdout.write(`executing ${id}\n`));
agent.start();

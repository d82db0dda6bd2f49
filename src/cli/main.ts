/**
 * Entry of the `thrustmq` command: dispatches subcommands and maps failures to a line on stderr
 * and an exit code.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../common/package-version.ts';

const USAGE = `usage: thrustmq <command>

commands:
  start                 name server and broker in one process on loopback, data in ./data
  namesrv [-c FILE]     run a name server (RocketMQ namesrv.properties keys)
  broker -c FILE        run a broker (RocketMQ broker.properties keys; -n name servers)
  shutdown [broker|namesrv|start] [-c FILE | --data DIR | --pid N] [--timeout S]
                        stop the daemons this user started here (exit 0 stopped, 1 failed
                        or timed out, 3 nothing running)
  admin <subcommand>    RocketMQ mqadmin subcommands (updateTopic, sendMessage, ...)
  bench producer|consumer [-n ADDR] [-t TOPIC] [-s BYTES] [-w N] [-g GROUP]
                        [--count N | --duration S] [--batch N] [--json]
                        RocketMQ-style producer/consumer benchmark: TPS and RT every second
  bench store [--json] [--count N] [--dir PATH]
                        append N (1,000,000) 1 KiB messages, read them back, compare to raw fs
  --version             print the version
  --help                print this help
`;

function runStoreBench(args: readonly string[]): Promise<number> {
  // From the sources the bench is TypeScript too and needs the tsx loader; the build runs its .js.
  const fromSources = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(
    new URL(
      `../../native-free-store/bench/store-bench.${fromSources ? 'ts' : 'js'}`,
      import.meta.url,
    ),
  );
  const loader = fromSources ? ['--import', 'tsx'] : [];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...loader, script, ...args], {
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return (await import('./start-command.ts')).runStartCommand(rest);
    case 'broker':
      return (await import('./broker-command.ts')).runBrokerCommand(rest);
    case 'namesrv':
      return (await import('./namesrv-command.ts')).runNamesrvCommand(rest);
    case 'shutdown':
      return (await import('./shutdown-command.ts')).runShutdownCommand(rest);
    case 'admin':
      return (await import('./admin-command.ts')).runAdminCommand(rest);
    case 'bench':
      return (await import('./bench-command.ts')).runBenchCommand(rest, runStoreBench);
    case '--version':
    case '-v':
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`thrustmq: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

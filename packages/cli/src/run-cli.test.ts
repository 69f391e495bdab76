import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands, runCli } from './run-cli.js';
import { captureIo } from './testing/capture-io.js';

async function run(...argv: string[]) {
  return runIn(process.cwd(), ...argv);
}

async function runIn(cwd: string, ...argv: string[]) {
  const captured = captureIo(cwd, {});
  const code = await runCli(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('flotilla argument handling', () => {
  it('prints the command list on --help and exits 0', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    for (const command of commands) expect(stdout).toContain(`  ${command.name} `);
  });

  it("prints each command's help on <command> --help", async () => {
    for (const command of commands) {
      const { code, stdout, stderr } = await run(command.name, '--help');
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^usage: flotilla ${command.name}`));
      expect(stderr).toBe('');
    }
  });

  it.each([
    [['frob'], 'unknown command "frob"'],
    [['start', '--bogus'], "start: Unknown option '--bogus'"],
    [['start', 'extra'], 'start: unexpected argument "extra"'],
    [['start', '--instances', 'users'], '--instances expects <name>=<n>, got "users"'],
    [['start', '--instances', 'nobody=2'], '--instances: no process "nobody"'],
    [['status', '--json=yes'], "status: Option '--json' does not take an argument"],
    [['load', '--rate', '10'], 'load: --duration is required'],
    [['load', '--rate=-5', '--duration', '1'], '--rate must be a positive number, got "-5"'],
    [['load', '--rate', '-5', '--duration', '1'], "load: Option '--rate' argument is ambiguous"],
    [['load', '--rate', '5', '--duration', '1', '--gateway', 'ftp://x'], '--gateway must be an http(s) URL'],
    [['new', 'service', 'Billing'], '"Billing" must be lowercase kebab-case'],
    [['new', 'thing', 'x'], 'new: unknown kind "thing"'],
    [['chaos', 'explode', 'users'], 'chaos: unknown action "explode"'],
    [['chaos', 'kill', 'users/one'], '"users/one" is not <service> or <service>/<n>'],
    [['chaos', 'pause', 'users', '--seconds', '0'], '--seconds must be a positive number'],
    [['dlq', 'redrive', 'orders'], 'dlq redrive: missing <id>'],
  ])('%j → one line on stderr, exit 2', async (argv, message) => {
    const { code, stdout, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^flotilla: /);
  });

  it('refuses to start where there is no flotilla.config, saying how to make a project', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'flotilla-none-'));
    try {
      const { code, stderr } = await runIn(empty, 'start');
      expect(code).toBe(2);
      expect(stderr).toBe(
        `flotilla: no flotilla.config in ${empty}: run this in a Flotilla project (npm create flotilla makes one) or pass --config (see \`flotilla start --help\`)\n`,
      );
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('with no command, prints the list on stderr and exits 2', async () => {
    const { code, stderr } = await run();
    expect(code).toBe(2);
    expect(stderr).toContain('usage: flotilla <command>');
  });
});

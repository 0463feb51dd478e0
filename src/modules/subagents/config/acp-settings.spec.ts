import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, loadConfigClasses } from '../../../config/config-loader';
import { SubagentsConfig } from '../subagents.config';
import { acpAvailable, resolveAcpSettings } from './acp-settings';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfigClasses([SubagentsConfig], env);
    return [];
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
}

function settings(env: Record<string, string>) {
  const config = loadConfigClasses([SubagentsConfig], env).get(SubagentsConfig) as SubagentsConfig;
  return config.acp;
}

const dir = mkdtempSync(join(tmpdir(), 'acp-settings-'));
const TARGETS = JSON.stringify({
  codex: { command: 'codex-acp' },
  claude: { command: 'claude-acp', args: ['--acp'], enabled: false },
});

describe('subagents.acp settings', () => {
  it('defaults: disabled, ask, bounded limits', () => {
    const s = settings({});
    expect(s).toMatchObject({
      enabled: false,
      command: null,
      targets: {},
      defaultTarget: null,
      permissionMode: 'ask',
      maxConcurrent: 4,
      runTimeoutSecs: 1800,
      approvalTimeoutSecs: 300,
    });
    expect(acpAvailable(s)).toBe(false);
  });

  it('reads the command, args (JSON or words), env, targets and default target from the environment', () => {
    const s = settings({
      SUBAGENTS_ACP_ENABLED: 'true',
      SUBAGENTS_ACP_COMMAND: 'my-agent',
      SUBAGENTS_ACP_ARGS: '--stdio --quiet',
      SUBAGENTS_ACP_ENV: '{"API_KEY": "secret:agent-key"}',
      SUBAGENTS_ACP_TARGETS: TARGETS,
      SUBAGENTS_ACP_DEFAULT_TARGET: 'codex',
      SUBAGENTS_ACP_PERMISSION_MODE: 'auto_approve',
    });
    expect(s.command).toEqual({
      name: null,
      command: 'my-agent',
      args: ['--stdio', '--quiet'],
      env: { API_KEY: 'secret:agent-key' },
      cwd: null,
      enabled: true,
    });
    expect(s.targets.claude).toMatchObject({ command: 'claude-acp', args: ['--acp'], enabled: false });
    expect(s.defaultTarget).toBe('codex');
    expect(s.permissionMode).toBe('auto_approve');
    expect(acpAvailable(s)).toBe(true);
    expect(
      settings({ SUBAGENTS_ACP_COMMAND: 'a', SUBAGENTS_ACP_ARGS: '["x y", "z"]' }).command!.args,
    ).toEqual(['x y', 'z']);
  });

  it('enabled without a command or an enabled target is not available (spawn answers "ACP runtime is disabled")', () => {
    expect(acpAvailable(settings({ SUBAGENTS_ACP_ENABLED: 'true' }))).toBe(false);
    expect(
      acpAvailable(
        settings({
          SUBAGENTS_ACP_ENABLED: 'true',
          SUBAGENTS_ACP_TARGETS: '{"a": {"command": "x", "enabled": false}}',
        }),
      ),
    ).toBe(false);
  });

  it.each([
    [
      { SUBAGENTS_ACP_ENABLED: 'perhaps' },
      /^SUBAGENTS_ACP_ENABLED: subagents\.acp\.enabled must be true or false/,
    ],
    [
      { SUBAGENTS_ACP_PERMISSION_MODE: 'maybe' },
      /^SUBAGENTS_ACP_PERMISSION_MODE: .*must be one of auto_approve, deny, ask \(got "maybe"\)/,
    ],
    [{ SUBAGENTS_ACP_MAX_CONCURRENT: '0' }, /^SUBAGENTS_ACP_MAX_CONCURRENT: .*whole number from 1 to 1000/],
    [{ SUBAGENTS_ACP_RUN_TIMEOUT_SECS: 'soon' }, /^SUBAGENTS_ACP_RUN_TIMEOUT_SECS: /],
    [{ SUBAGENTS_ACP_APPROVAL_TIMEOUT_SECS: '-1' }, /^SUBAGENTS_ACP_APPROVAL_TIMEOUT_SECS: /],
    [{ SUBAGENTS_ACP_MAX_OUTPUT_BYTES: '10' }, /^SUBAGENTS_ACP_MAX_OUTPUT_BYTES: /],
    [
      { SUBAGENTS_ACP_COMMAND: 'x', SUBAGENTS_ACP_ARGS: '["unterminated' },
      /^SUBAGENTS_ACP_ARGS: .*JSON array/,
    ],
    [{ SUBAGENTS_ACP_COMMAND: 'x', SUBAGENTS_ACP_ENV: 'API_KEY=1' }, /^SUBAGENTS_ACP_ENV: .*JSON object/],
    [
      { SUBAGENTS_ACP_COMMAND: 'x', SUBAGENTS_ACP_ENV: '{"1BAD": "v"}' },
      /^SUBAGENTS_ACP_ENV: .*invalid variable name "1BAD"/,
    ],
    [{ SUBAGENTS_ACP_ARGS: '--x' }, /^SUBAGENTS_ACP_ARGS: .*is set but subagents\.acp\.command is not/],
    [
      { SUBAGENTS_ACP_COMMAND: 'x', SUBAGENTS_ACP_CWD: 'relative/dir' },
      /^SUBAGENTS_ACP_CWD: .*must be an absolute path/,
    ],
    [
      { SUBAGENTS_ACP_COMMAND: 'x', SUBAGENTS_ACP_CWD: '/no/such/dir/anywhere' },
      /^SUBAGENTS_ACP_CWD: .*directory does not exist/,
    ],
    [
      { SUBAGENTS_ACP_TARGETS: '{not json' },
      /^SUBAGENTS_ACP_TARGETS: subagents\.acp\.targets must be a JSON object/,
    ],
    [
      { SUBAGENTS_ACP_TARGETS: '{"codex": {"args": []}}' },
      /^SUBAGENTS_ACP_TARGETS: subagents\.acp\.targets\.codex\.command is required/,
    ],
    [
      { SUBAGENTS_ACP_TARGETS: '{"codex": {"command": "x", "shell": true}}' },
      /^SUBAGENTS_ACP_TARGETS: subagents\.acp\.targets\.codex\.shell unknown key/,
    ],
    [{ SUBAGENTS_ACP_TARGETS: '{"bad name": {"command": "x"}}' }, /target name "bad name" must be/],
    [
      { SUBAGENTS_ACP_TARGETS: '{"codex": {"command": "x", "cwd": "/no/such/dir"}}' },
      /subagents\.acp\.targets\.codex\.cwd .*directory does not exist/,
    ],
    [
      { SUBAGENTS_ACP_TARGETS: '{"codex": {"command": "x", "enabled": "sometimes"}}' },
      /subagents\.acp\.targets\.codex\.enabled must be true or false/,
    ],
    [
      { SUBAGENTS_ACP_TARGETS: TARGETS, SUBAGENTS_ACP_DEFAULT_TARGET: 'gemini' },
      /^SUBAGENTS_ACP_DEFAULT_TARGET: .*names unknown target "gemini" \(known targets: codex, claude\)/,
    ],
    [
      { SUBAGENTS_ACP_TARGETS: TARGETS, SUBAGENTS_ACP_DEFAULT_TARGET: 'claude' },
      /^SUBAGENTS_ACP_DEFAULT_TARGET: .*"claude", which is disabled/,
    ],
    [{ SUBAGENTS_WORKSPACES_DIR: 'workspaces' }, /^SUBAGENTS_WORKSPACES_DIR: .*absolute path/],
  ])('%j is refused at boot, naming the key', (env, pattern) => {
    const found = problems(env as Record<string, string>);
    expect(found.some((p) => pattern.test(p))).toBe(true);
  });

  it('reports every problem at once', () => {
    const found = problems({
      SUBAGENTS_ACP_PERMISSION_MODE: 'x',
      SUBAGENTS_ACP_MAX_CONCURRENT: '0',
      SUBAGENTS_ACP_TARGETS: '[]',
    });
    expect(found).toHaveLength(3);
  });

  describe('SUBAGENTS_CONFIG_FILE', () => {
    it('reads nested YAML keys; environment variables win key by key', () => {
      const file = join(dir, 'subagents.yaml');
      writeFileSync(
        file,
        [
          'subagents:',
          '  workspaces_dir: /var/lib/clawcontrol/ws',
          '  acp:',
          '    enabled: true',
          '    permission_mode: deny',
          '    max_concurrent: 2',
          '    default_target: codex',
          '    targets:',
          '      codex:',
          '        command: codex-acp',
          '        args: [--acp]',
          `        working_directory: ${dir}`,
          '        env: { OPENAI_API_KEY: "secret:openai" }',
          'mcp: { ignored: true }',
        ].join('\n'),
      );
      const s = settings({ SUBAGENTS_CONFIG_FILE: file, SUBAGENTS_ACP_PERMISSION_MODE: 'ask' });
      expect(s).toMatchObject({
        enabled: true,
        permissionMode: 'ask',
        maxConcurrent: 2,
        defaultTarget: 'codex',
        workspacesDir: '/var/lib/clawcontrol/ws',
      });
      expect(s.targets.codex).toEqual({
        name: 'codex',
        command: 'codex-acp',
        args: ['--acp'],
        env: { OPENAI_API_KEY: 'secret:openai' },
        cwd: dir,
        enabled: true,
      });
    });

    it('reads JSON files', () => {
      const file = join(dir, 'subagents.json');
      writeFileSync(
        file,
        JSON.stringify({ subagents: { acp: { enabled: true, command: 'agent', args: ['a b'] } } }),
      );
      expect(settings({ SUBAGENTS_CONFIG_FILE: file }).command).toMatchObject({
        command: 'agent',
        args: ['a b'],
      });
    });

    it.each([
      ['missing', null, /^SUBAGENTS_CONFIG_FILE: file not found/],
      ['broken YAML', 'subagents: [unclosed', /^SUBAGENTS_CONFIG_FILE: .* is not valid YAML/],
      [
        'unknown key',
        'subagents:\n  acp:\n    enabeld: true',
        /^subagents\.acp\.enabeld \(in .*\): unknown key/,
      ],
      [
        'wrong type',
        'subagents:\n  acp:\n    max_concurrent: many',
        /^subagents\.acp\.max_concurrent \(in .*\): must be a whole number/,
      ],
      [
        'target without command',
        'subagents:\n  acp:\n    targets:\n      codex: { args: [] }',
        /^subagents\.acp\.targets\.codex\.command \(in .*\): is required/,
      ],
    ])('%s: refused naming the key and the file', (name, content, pattern) => {
      const file = join(dir, `${String(name).replace(/\s/g, '-')}.yaml`);
      if (content !== null) writeFileSync(file, content);
      expect(problems({ SUBAGENTS_CONFIG_FILE: file }).some((p) => (pattern as RegExp).test(p))).toBe(true);
    });
  });

  it('resolveAcpSettings never throws on garbage', () => {
    expect(() => resolveAcpSettings({ SUBAGENTS_ACP_TARGETS: 'null' })).not.toThrow();
    expect(() => resolveAcpSettings({ SUBAGENTS_ACP_TARGETS: '{"a": null}' })).not.toThrow();
  });
});

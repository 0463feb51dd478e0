import 'reflect-metadata';
import { Command } from 'commander';
import { buildProgram } from '../src/cli/main';
import { CONFIG_CLASSES } from '../src/config/config.registry';
import { envBindingsOf } from '../src/config/env-var.decorator';

/**
 * deploy/k8s: every rendered document validates against the Kubernetes schemas (offline, from
 * npm packages), field names included, and against our operations policy; the configuration
 * and the commands the manifests use exist in this release.
 */
const k8s = require('../scripts/validate-k8s.js') as {
  render(dir: string): { source: string; object: any }[];
  validateDocuments(docs: { source: string; object: any }[], opts?: { policy?: boolean }): string[];
  validateAll(): { target: string; documents: { object: any }[]; problems: string[] }[];
  K8S_DIR: string;
};

const bindings = CONFIG_CLASSES.flatMap((c) => envBindingsOf(c));
const envNames = new Set(bindings.map((b) => b.name));
/** Read by Node itself, not by the service's config schema. */
const NODE_VARS = new Set(['NODE_OPTIONS']);

const results = k8s.validateAll();
const base = () => k8s.render(`${k8s.K8S_DIR}/base`);
const find = (docs: { object: any }[], kind: string, name?: string) =>
  docs.map((d) => d.object).find((o) => o.kind === kind && (!name || o.metadata.name === name));

describe('Kubernetes manifests (deploy/k8s)', () => {
  it.each(results.map((r) => [r.target, r]))('%s validates', (_target, result) => {
    expect(result.problems).toEqual([]);
    expect(result.documents.length).toBeGreaterThan(0);
  });

  it('renders the base and the production overlay; the ServiceMonitor is only in the overlay (off by default)', () => {
    const targets = results.map((r) => r.target);
    expect(targets).toEqual(expect.arrayContaining(['deploy/k8s/base', 'deploy/k8s/overlays/production', 'deploy/k8s/secret.template.yaml']));
    const kinds = (t: string) => results.find((r) => r.target === t)!.documents.map((d) => d.object.kind);
    expect(kinds('deploy/k8s/base')).not.toContain('ServiceMonitor');
    expect(kinds('deploy/k8s/overlays/production')).toContain('ServiceMonitor');
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Job', 'CronJob', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']) {
      expect(kinds('deploy/k8s/base')).toContain(kind);
    }
  });

  it('the ConfigMap and the Secret template name only variables of the config schema; the Secret keys are the secret ones', () => {
    const configMap = find(base(), 'ConfigMap', 'clawcontrol');
    const unknown = Object.keys(configMap.data).filter((k) => !envNames.has(k) && !NODE_VARS.has(k));
    expect(unknown).toEqual([]);
    const secretNames = new Set(bindings.filter((b) => b.secret).map((b) => b.name));
    const secretsInConfigMap = Object.keys(configMap.data).filter((k) => secretNames.has(k));
    expect(secretsInConfigMap).toEqual([]);
    const template = results.find((r) => r.target.endsWith('secret.template.yaml'))!.documents[0].object;
    expect(Object.keys(template.stringData).filter((k) => !secretNames.has(k))).toEqual([]);
    expect(configMap.data.DB_AUTO_MIGRATE).toBe('false');
  });

  it('the pods run commands this release has (server entry point, migrate, backup, backup verify --latest)', () => {
    const program = buildProgram();
    const sub = (cmd: Command | undefined, name: string) => cmd?.commands.find((c) => c.name() === name);
    const docs = base();
    const commands = docs
      .map((d) => d.object)
      .flatMap((o) => {
        const pod = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec;
        return pod ? pod.containers.map((c: any) => c.command as string[]) : [];
      });
    expect(commands).toContainEqual(['node', 'dist/src/main.js']);
    for (const command of commands.filter((c) => c[1] === 'dist/src/cli/main.js')) {
      const words = command.slice(2);
      let cmd: Command | undefined = program;
      for (const word of words.filter((w: string) => !w.startsWith('--'))) cmd = sub(cmd, word);
      expect(cmd).toBeDefined();
      for (const flag of words.filter((w: string) => w.startsWith('--'))) {
        expect(cmd!.options.map((o) => o.long)).toContain(flag);
      }
    }
    expect(commands.map((c) => c.slice(2).join(' '))).toEqual(expect.arrayContaining(['migrate', 'backup', 'backup verify --latest']));
  });

  it('reports a misspelt field, a wrong type and a termination grace that does not cover SHUTDOWN_GRACE_MS', () => {
    const mutated = (mutate: (docs: { object: any }[]) => void) => {
      const docs = base();
      mutate(docs);
      return k8s.validateDocuments(docs).join('\n');
    };
    const container = (docs: { object: any }[]) => find(docs, 'Deployment').spec.template.spec.containers[0];
    expect(
      mutated((docs) => {
        container(docs).readinesProbe = container(docs).readinessProbe;
      }),
    ).toContain(`'"readinesProbe"' does not exist`);
    expect(
      mutated((docs) => {
        container(docs).ports[0].containerPort = 'eighty';
      }),
    ).toContain('containerPort must be integer');
    expect(
      mutated((docs) => {
        find(docs, 'ConfigMap').data.SHUTDOWN_GRACE_MS = '60000';
      }),
    ).toContain('terminationGracePeriodSeconds is 30, expected 70');
  });
});

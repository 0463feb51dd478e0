#!/usr/bin/env node
/**
 * Renders the Kubernetes kustomizations under deploy/k8s and validates every document, offline:
 *
 *  1. schema: each object against the Kubernetes OpenAPI schema shipped by the npm packages
 *     `kubernetes-models` (core/apps/batch/autoscaling/policy/networking) and
 *     `@kubernetes-models/prometheus-operator` (ServiceMonitor) — types, formats, required fields;
 *  2. field names: the same objects type-checked by TypeScript against those packages' interfaces,
 *     which rejects unknown (misspelt) fields that the JSON schemas let through;
 *  3. operations policy: non-root, read-only root filesystem, resources, probes, preStop and a
 *     termination grace that matches SHUTDOWN_GRACE_MS, DB_AUTO_MIGRATE=false, selectors that
 *     select the pods, references to ConfigMaps/Secrets/PVCs that exist.
 *
 * Usage:
 *   node scripts/validate-k8s.js                 validate deploy/k8s (base, overlays, secret template)
 *   node scripts/validate-k8s.js --render DIR    print the rendered kustomization DIR as a YAML stream
 *
 * There is no kustomize binary here: `render` implements the subset of kustomize the manifests
 * use (resources, components, namespace, images) and refuses any other kustomization field, so
 * the manifests cannot silently rely on a feature this check does not model. `kubectl apply -k`
 * renders the same output.
 */
/* global require, module, process, __dirname */
'use strict';
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');
const YAML = require('yaml');

const ROOT = resolve(__dirname, '..');
const K8S_DIR = join(ROOT, 'deploy', 'k8s');
const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'images']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);
/** Seconds kept between the end of the drain (SHUTDOWN_GRACE_MS) and SIGKILL. */
const GRACE_MARGIN_S = 5;

// ---------------------------------------------------------------- rendering

function readDocuments(file) {
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  const out = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${rel(file)}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push({ source: rel(file), object: value });
  }
  return out;
}

function rel(path) {
  return relative(ROOT, path) || '.';
}

function kustomizationFile(dir) {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${rel(dir)}: no kustomization.yaml`);
}

/** Renders a kustomization directory into a list of {source, object}. */
function render(dir) {
  const file = kustomizationFile(dir);
  const k = YAML.parse(readFileSync(file, 'utf8')) ?? {};
  const unknown = Object.keys(k).filter((key) => !KUSTOMIZATION_FIELDS.has(key));
  if (unknown.length) {
    throw new Error(`${rel(file)}: fields not modelled by scripts/validate-k8s.js: ${unknown.join(', ')}`);
  }
  const docs = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${rel(file)}: resource ${entry} does not exist`);
    docs.push(...(statSync(path).isDirectory() ? render(path) : readDocuments(path)));
  }
  for (const entry of k.components ?? []) {
    const path = resolve(dir, entry);
    const compFile = kustomizationFile(path);
    const comp = YAML.parse(readFileSync(compFile, 'utf8'));
    if (comp.kind !== 'Component') throw new Error(`${rel(compFile)}: kind must be Component`);
    docs.push(...render(path));
  }
  for (const image of k.images ?? []) applyImage(docs, image);
  if (k.namespace) {
    for (const { object } of docs) {
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata = { ...object.metadata, namespace: k.namespace };
    }
  }
  return docs;
}

function podSpecOf(object) {
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      return object.spec?.template?.spec;
    case 'CronJob':
      return object.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

function containersOf(podSpec) {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
}

/** kustomize `images`: rewrite containers whose image name (without tag/digest) matches. */
function applyImage(docs, { name, newName, newTag, digest }) {
  for (const { object } of docs) {
    for (const c of containersOf(podSpecOf(object))) {
      const current = String(c.image ?? '');
      const at = current.indexOf('@');
      const withoutDigest = at >= 0 ? current.slice(0, at) : current;
      const colon = withoutDigest.lastIndexOf(':');
      const hasTag = colon > withoutDigest.lastIndexOf('/');
      const imageName = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
      if (imageName !== name) continue;
      const tag = hasTag ? withoutDigest.slice(colon + 1) : undefined;
      const base = newName ?? imageName;
      c.image = digest ? `${base}@${digest}` : newTag ? `${base}:${newTag}` : tag ? `${base}:${tag}` : base;
    }
  }
}

// ---------------------------------------------------------------- schema validation

/** The kubernetes-models module path of an apiVersion (group/version). */
function modelModule(apiVersion) {
  if (apiVersion === 'monitoring.coreos.com/v1') return '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
  return `kubernetes-models/${apiVersion}`;
}

function validateSchema(object) {
  let mod;
  try {
    mod = require(modelModule(object.apiVersion));
  } catch {
    return [`unknown apiVersion ${object.apiVersion}`];
  }
  const Model = mod[object.kind];
  if (!Model) return [`unknown kind ${object.kind} in ${object.apiVersion}`];
  try {
    new Model(object).validate();
    return [];
  } catch (err) {
    return [String(err.message).trim()];
  }
}

/**
 * Unknown fields: TypeScript's excess-property check on object literals typed with the
 * kubernetes-models interfaces. One virtual file for all documents (one compiler run).
 */
function validateFieldNames(items) {
  const ts = require('typescript');
  const chunks = [];
  const starts = []; // {index, line}: the first line of each document's statement in the virtual file
  let line = 0;
  items.forEach(({ object }, i) => {
    if (!object.apiVersion || !object.kind) return;
    let modulePath;
    try {
      modulePath = require.resolve(`${modelModule(object.apiVersion)}/${object.kind}`, { paths: [ROOT] });
    } catch {
      return; // reported by the schema check
    }
    const typesPath = modulePath.replace(/\.js$/, '');
    const chunk =
      `import type { I${object.kind} as T${i} } from ${JSON.stringify(typesPath)};\n` +
      `export const doc${i}: T${i} = ${JSON.stringify(object, null, 1)};\n`;
    starts.push({ index: i, line });
    chunks.push(chunk);
    line += chunk.split('\n').length - 1;
  });
  const text = chunks.join('');
  const fileName = join(ROOT, '__k8s_manifests__.ts');
  const options = { noEmit: true, strict: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (resolve(f) === fileName ? text : readFile(f));
  host.fileExists = (f) => resolve(f) === fileName || fileExists(f);
  host.getSourceFile = (f, lang, onError, create) =>
    resolve(f) === fileName ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, onError, create);
  const program = ts.createProgram([fileName], options, host);
  const problems = new Map();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file || resolve(d.file.fileName) !== fileName) continue;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    // The statement that contains the line: the last one starting at or before it.
    const owner = starts.filter((r) => r.line <= line).pop();
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0];
    const key = owner ? owner.index : -1;
    problems.set(key, [...(problems.get(key) ?? []), message]);
  }
  return problems;
}

// ---------------------------------------------------------------- operations policy

function selects(selector, labels) {
  const match = selector?.matchLabels ?? selector ?? {};
  return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels?.[k] === v);
}

function probePath(probe) {
  return probe?.httpGet?.path;
}

function preStopSleepSeconds(container) {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return Number(preStop.sleep.seconds);
  const cmd = preStop?.exec?.command ?? [];
  const i = cmd.indexOf('sleep');
  return i >= 0 ? Number(cmd[i + 1]) : undefined;
}

function checkPolicy(docs) {
  const problems = [];
  const objects = docs.map((d) => d.object);
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const name = (o) => `${o.kind}/${o.metadata?.name}`;
  const configMaps = new Map(byKind('ConfigMap').map((o) => [o.metadata.name, o.data ?? {}]));
  const known = new Set(objects.map((o) => `${o.kind}/${o.metadata?.name}`));

  for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Job', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'CronJob']) {
    if (byKind(kind).length === 0) problems.push(`no ${kind}`);
  }

  for (const o of objects) {
    const pod = podSpecOf(o);
    if (!pod) continue;
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${name(o)}: pod securityContext.runAsNonRoot must be true`);
    const tmpVolumes = new Set((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
    for (const c of containersOf(pod)) {
      const where = `${name(o)} container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities must drop ALL`);
      for (const kind of ['requests', 'limits']) {
        for (const res of ['cpu', 'memory']) {
          if (!c.resources?.[kind]?.[res]) problems.push(`${where}: resources.${kind}.${res} missing`);
        }
      }
      if (!(c.volumeMounts ?? []).some((m) => m.mountPath === '/tmp' && tmpVolumes.has(m.name))) {
        problems.push(`${where}: /tmp must be an emptyDir (the root filesystem is read-only)`);
      }
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef && !configMaps.has(from.configMapRef.name)) {
          problems.push(`${where}: envFrom ConfigMap ${from.configMapRef.name} is not rendered`);
        }
      }
    }
    for (const v of pod.volumes ?? []) {
      if (v.persistentVolumeClaim && !known.has(`PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}`)) {
        problems.push(`${name(o)}: PVC ${v.persistentVolumeClaim.claimName} is not rendered`);
      }
    }
  }

  for (const d of byKind('Deployment')) {
    const pod = d.spec.template.spec;
    const labels = d.spec.template.metadata?.labels;
    if (!selects(d.spec.selector, labels)) problems.push(`${name(d)}: selector does not match its pod labels`);
    const [c] = pod.containers;
    const ports = new Set((c.ports ?? []).map((p) => p.name));
    if (probePath(c.livenessProbe) !== '/healthz') problems.push(`${name(d)}: livenessProbe must GET /healthz`);
    if (probePath(c.readinessProbe) !== '/readyz') problems.push(`${name(d)}: readinessProbe must GET /readyz`);
    if (!c.startupProbe) problems.push(`${name(d)}: startupProbe missing`);
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
      const port = probe?.httpGet?.port;
      if (typeof port === 'string' && !ports.has(port)) problems.push(`${name(d)}: probe port ${port} is not a container port`);
    }
    const sleep = preStopSleepSeconds(c);
    if (!(sleep >= 1)) problems.push(`${name(d)}: preStop must sleep (endpoints need time to drop the pod)`);
    const env = Object.assign({}, ...(c.envFrom ?? []).map((f) => configMaps.get(f.configMapRef?.name) ?? {}));
    for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    const graceMs = Number(env.SHUTDOWN_GRACE_MS ?? 10000);
    const expected = (sleep || 0) + Math.ceil(graceMs / 1000) + GRACE_MARGIN_S;
    if (pod.terminationGracePeriodSeconds !== expected) {
      problems.push(
        `${name(d)}: terminationGracePeriodSeconds is ${pod.terminationGracePeriodSeconds}, expected ${expected} ` +
          `(preStop ${sleep || 0} s + SHUTDOWN_GRACE_MS ${graceMs} ms + ${GRACE_MARGIN_S} s)`,
      );
    }
    if (env.DB_AUTO_MIGRATE !== 'false') problems.push(`${name(d)}: DB_AUTO_MIGRATE must be "false" (the migration Job migrates)`);

    for (const svc of byKind('Service')) {
      if (!selects(svc.spec.selector, labels)) problems.push(`${name(svc)}: selector does not select ${name(d)}`);
      for (const p of svc.spec.ports) {
        if (typeof p.targetPort === 'string' && !ports.has(p.targetPort)) problems.push(`${name(svc)}: targetPort ${p.targetPort} unknown`);
      }
    }
    for (const pdb of byKind('PodDisruptionBudget')) {
      if (!selects(pdb.spec.selector, labels)) problems.push(`${name(pdb)}: selector does not select ${name(d)}`);
    }
    for (const np of byKind('NetworkPolicy')) {
      if (!selects(np.spec.podSelector, labels)) problems.push(`${name(np)}: podSelector does not select ${name(d)}`);
    }
    for (const hpa of byKind('HorizontalPodAutoscaler')) {
      const t = hpa.spec.scaleTargetRef;
      if (t.kind !== 'Deployment' || t.name !== d.metadata.name) problems.push(`${name(hpa)}: does not scale ${name(d)}`);
      if (hpa.spec.minReplicas < 2) problems.push(`${name(hpa)}: minReplicas below 2 leaves no replica during a rollout or node drain`);
    }
    for (const sm of byKind('ServiceMonitor')) {
      const svc = byKind('Service').find((s) => selects(sm.spec.selector, s.metadata.labels));
      if (!svc) problems.push(`${name(sm)}: selects no Service`);
      for (const ep of sm.spec.endpoints) {
        if (svc && !svc.spec.ports.some((p) => p.name === ep.port)) problems.push(`${name(sm)}: port ${ep.port} is not a Service port`);
      }
    }
  }

  const migrate = byKind('Job').find((j) => (j.spec.template.spec.containers[0].command ?? []).includes('migrate'));
  if (!migrate) problems.push('no Job running the `migrate` command');
  for (const s of byKind('Secret')) {
    if (Object.keys(s.data ?? {}).length || Object.values(s.stringData ?? {}).some((v) => v !== 'REPLACE_ME')) {
      problems.push(`${name(s)}: a rendered Secret must hold no values (keep secret.template.yaml out of the kustomization)`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------- entry points

/** Validates a list of rendered documents; returns human-readable problems. */
function validateDocuments(docs, { policy = true } = {}) {
  const problems = [];
  docs.forEach(({ source, object }) => {
    for (const p of validateSchema(object)) problems.push(`${source} ${object.kind}/${object.metadata?.name}: ${p}`);
  });
  for (const [index, messages] of validateFieldNames(docs)) {
    const d = docs[index];
    const where = d ? `${d.source} ${d.object.kind}/${d.object.metadata?.name}` : 'manifests';
    for (const m of messages) problems.push(`${where}: ${m}`);
  }
  if (policy) problems.push(...checkPolicy(docs));
  return problems;
}

/** Every kustomization validated by default: the base and each overlay. */
function defaultTargets() {
  const overlays = join(K8S_DIR, 'overlays');
  const dirs = existsSync(overlays) ? readdirSync(overlays).map((d) => join(overlays, d)) : [];
  return [join(K8S_DIR, 'base'), ...dirs.filter((d) => statSync(d).isDirectory())];
}

function validateAll() {
  const results = [];
  for (const dir of defaultTargets()) {
    const docs = render(dir);
    results.push({ target: rel(dir), documents: docs, problems: validateDocuments(docs) });
  }
  const template = join(K8S_DIR, 'secret.template.yaml');
  if (existsSync(template)) {
    const docs = readDocuments(template);
    results.push({ target: rel(template), documents: docs, problems: validateDocuments(docs, { policy: false }) });
  }
  return results;
}

function main(argv) {
  const i = argv.indexOf('--render');
  if (i >= 0) {
    const dir = resolve(argv[i + 1] ?? join(K8S_DIR, 'base'));
    process.stdout.write(render(dir).map((d) => YAML.stringify(d.object)).join('---\n'));
    return 0;
  }
  let failed = false;
  for (const r of validateAll()) {
    const kinds = r.documents.map((d) => d.object.kind).join(', ');
    if (r.problems.length) {
      failed = true;
      process.stdout.write(`FAIL ${r.target} (${r.documents.length} documents)\n`);
      for (const p of r.problems) process.stdout.write(`  - ${p}\n`);
    } else {
      process.stdout.write(`ok   ${r.target}: ${r.documents.length} documents valid (${kinds})\n`);
    }
  }
  return failed ? 1 : 0;
}

module.exports = { render, validateDocuments, validateAll, checkPolicy, K8S_DIR, dirname };

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`validate-k8s: ${err.message}\n`);
    process.exit(1);
  }
}

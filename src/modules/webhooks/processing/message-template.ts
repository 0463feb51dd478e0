/**
 * The message a webhook delivery sends to its session. Placeholders:
 *
 *   {{payload}}              the raw body (UTF-8), fenced as external data
 *   {{json.<path>}}          a value of the JSON body, e.g. {{json.repository.full_name}}
 *                            or {{json.commits.0.message}}; objects render as JSON; fenced
 *   {{headers.<name>}}       a request header, e.g. {{headers.x-github-event}}; fenced
 *   {{webhook.name}} {{webhook.id}} {{delivery.id}} {{received_at}}   our own metadata
 *
 * Everything that came from the sender enters the prompt only through `fence`
 * (the runtime's fenceExternal), so an agent can tell data from instructions.
 */
export const DEFAULT_MESSAGE_TEMPLATE =
  'Webhook "{{webhook.name}}" received delivery {{delivery.id}} at {{received_at}}.\n\n{{payload}}';

export const MAX_TEMPLATE_LENGTH = 8000;
/** A fenced placeholder value longer than this is cut (the whole body is still in {{payload}}). */
const MAX_VALUE_CHARS = 4000;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const METADATA = new Set(['webhook.name', 'webhook.id', 'delivery.id', 'received_at']);
const HEADER = /^headers\.([a-z0-9-]{1,100})$/i;
const JSON_PATH = /^json\.([A-Za-z0-9_$@-]{1,100}(\.[A-Za-z0-9_$@-]{1,100}){0,19})$/;

export type Fence = (source: string, text: string) => string;

export interface TemplateInput {
  webhook: { id: string; name: string };
  deliveryId: string;
  receivedAt: Date;
  headers: Record<string, string>;
  payload: Buffer;
}

/** Problems with a template, for a 400 at create/update time (empty when valid). */
export function templateProblems(template: string): string[] {
  if (template.length > MAX_TEMPLATE_LENGTH) return [`must be at most ${MAX_TEMPLATE_LENGTH} characters`];
  const problems: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1];
    if (name === 'payload' || METADATA.has(name) || HEADER.test(name) || JSON_PATH.test(name)) continue;
    problems.push(
      `unknown placeholder {{${name}}} (use {{payload}}, {{json.<path>}}, {{headers.<name>}}, {{webhook.name}}, {{webhook.id}}, {{delivery.id}}, {{received_at}})`,
    );
  }
  return problems;
}

function valueAt(json: unknown, path: string[]): unknown {
  let current: unknown = json;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function clip(text: string): string {
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}… [cut at ${MAX_VALUE_CHARS} characters]` : text;
}

/** The first `maxBytes` bytes of `text` as UTF-8, never splitting a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back off to a character boundary
  return bytes.subarray(0, end).toString('utf8');
}

export interface RenderOptions {
  /** The message must fit this many UTF-8 bytes (the runtime's MAX_MESSAGE_BYTES): {{payload}} is cut to fit. */
  maxBytes?: number;
  /** Where the full payload can be read when it had to be cut. */
  fullPayloadHint?: string;
}

export function renderMessage(template: string | null, input: TemplateInput, fence: Fence, options: RenderOptions = {}): string {
  const source = `webhook:${input.webhook.name}`;
  const body = input.payload.toString('utf8');
  let parsed: unknown;
  let parsedOnce = false;
  const json = (): unknown => {
    if (!parsedOnce) {
      parsedOnce = true;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
    }
    return parsed;
  };

  const PAYLOAD_SLOT = '\u0000payload\u0000';
  let payloadSlots = 0;
  const rendered = (template ?? DEFAULT_MESSAGE_TEMPLATE).replace(PLACEHOLDER, (whole, name: string) => {
    switch (name) {
      case 'payload':
        payloadSlots++;
        return PAYLOAD_SLOT;
      case 'webhook.name':
        return input.webhook.name;
      case 'webhook.id':
        return input.webhook.id;
      case 'delivery.id':
        return input.deliveryId;
      case 'received_at':
        return input.receivedAt.toISOString();
    }
    const header = HEADER.exec(name);
    if (header) {
      const value = input.headers[header[1].toLowerCase()];
      return value === undefined ? '(none)' : fence(`${source}:header:${header[1].toLowerCase()}`, clip(value));
    }
    const path = JSON_PATH.exec(name);
    if (path) {
      const value = valueAt(json(), path[1].split('.'));
      if (value === undefined) return '(none)';
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return fence(`${source}:${name}`, clip(text));
    }
    return whole;
  });
  if (!payloadSlots) return rendered;

  let payload = body;
  const fencedSize = (text: string) => Buffer.byteLength(fence(source, text), 'utf8');
  const restBytes = Buffer.byteLength(rendered, 'utf8') - payloadSlots * Buffer.byteLength(PAYLOAD_SLOT, 'utf8');
  const fits = (text: string) => restBytes + payloadSlots * fencedSize(text) <= (options.maxBytes ?? Infinity);
  if (!fits(payload)) {
    const note = `\n[payload cut: ${input.payload.length} bytes in all${options.fullPayloadHint ? `; full payload: ${options.fullPayloadHint}` : ''}]`;
    const overhead = fencedSize(note);
    let budget = Math.floor(((options.maxBytes ?? 0) - restBytes) / payloadSlots) - overhead - 64;
    payload = utf8Prefix(body, Math.max(0, budget)) + note;
    // Fencing may grow the text (neutralised look-alikes): shrink until it fits.
    while (!fits(payload) && budget > 0) {
      budget = Math.floor(budget * 0.9);
      payload = utf8Prefix(body, budget) + note;
    }
  }
  const fenced = fence(source, payload);
  return rendered.split(PAYLOAD_SLOT).join(fenced);
}

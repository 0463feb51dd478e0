import type { ContentValidationSettings } from '../../config/tools-config';

/** Prompt-injection patterns looked for in fetched text (names are reported, never the matched text). */
export const INJECTION_PATTERNS: { name: string; pattern: RegExp }[] = [
  {
    name: 'ignore_previous_instructions',
    pattern:
      /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|all|your|the)\b[^.\n]{0,20}\b(instructions?|prompts?|rules|directions|guidelines)\b/i,
  },
  {
    name: 'new_instructions',
    pattern: /\b(new|updated|real|actual)\s+(system\s+)?(instructions?|prompt)\s*:/i,
  },
  {
    name: 'reveal_system_prompt',
    pattern:
      /\b(reveal|print|show|output|repeat|leak|disclose)\b[^.\n]{0,40}\b(system\s+prompt|hidden\s+instructions|your\s+(instructions|prompt))\b/i,
  },
  {
    name: 'role_override',
    pattern: /\byou\s+are\s+now\s+(an?\s+|in\s+)?\w+|\bdeveloper\s+mode\b|\bjailbreak(ed)?\b|\bDAN\s+mode\b/i,
  },
  {
    name: 'chat_template_tokens',
    pattern: /<\|(im_start|im_end|system|endoftext|assistant|user)\|>|\[\/?INST\]|<<\/?SYS>>/i,
  },
  { name: 'fake_role_header', pattern: /(^|\n)\s*(SYSTEM|ASSISTANT)\s*:/ },
  {
    name: 'credential_exfiltration',
    pattern:
      /\b(send|post|upload|exfiltrate|forward|email)\b[^.\n]{0,60}\b(api[\s_-]?keys?|credentials|secrets?|passwords?|tokens?)\b/i,
  },
  { name: 'hidden_instruction_comment', pattern: /<!--[^>]{0,40}\b(instruction|prompt|assistant|ai|llm)\b/i },
];

export interface ContentScan {
  scanned: boolean;
  scannedBytes: number;
  matches: string[];
}

/** Scans the first max_scan_bytes of a page for prompt-injection patterns. */
export function scanContent(text: string, settings: ContentValidationSettings): ContentScan {
  if (!settings.enabled) return { scanned: false, scannedBytes: 0, matches: [] };
  const buf = Buffer.from(text, 'utf8');
  const part =
    buf.length > settings.max_scan_bytes ? buf.subarray(0, settings.max_scan_bytes).toString('utf8') : text;
  const matches = INJECTION_PATTERNS.filter((p) => p.pattern.test(part)).map((p) => p.name);
  return { scanned: true, scannedBytes: Math.min(buf.length, settings.max_scan_bytes), matches };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Readable text of an HTML page: scripts, styles and tags removed, entities decoded, blank runs collapsed. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|\/p|\/div|\/li|\/h[1-6]|\/tr)\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/[ \t\f\v\r]+/g, ' ')
    .replace(/ *\n[ \n]*/g, '\n')
    .trim();
}

/** Decodes a body by the charset of its Content-Type (UTF-8 when absent or unknown). */
export function decodeBody(body: Buffer, contentType: string): string {
  const charset = /charset=([^;\s]+)/i.exec(contentType)?.[1]?.replace(/["']/g, '');
  try {
    return new TextDecoder(charset || 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

export function isTextual(contentType: string): boolean {
  const t = contentType.split(';')[0].trim().toLowerCase();
  return !t || t.startsWith('text/') || /\b(json|xml|javascript|x-www-form-urlencoded|yaml|csv)\b/.test(t);
}

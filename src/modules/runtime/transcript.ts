import type { Message } from '../sessions/entities/message.entity';
import type { ContentBlock } from '../sessions/session.types';
import { fenceExternal, isFenced } from './fence';
import type { ProviderMessage, ToolCall } from './providers/provider.types';

export function textOf(content: ContentBlock[]): string {
  return content
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
}

export function assistantBlocks(
  text: string,
  toolCalls: ToolCall[] = [],
  extra: Record<string, unknown> = {},
): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  if (text || toolCalls.length === 0) blocks.push({ type: 'text', text, ...extra });
  for (const c of toolCalls)
    blocks.push({ type: 'tool_call', id: c.id, name: c.name, arguments: c.arguments });
  return blocks;
}

export function toolResultBlocks(call: ToolCall, content: string, isError: boolean): ContentBlock[] {
  return [{ type: 'tool_result', tool_call_id: call.id, name: call.name, text: content, is_error: isError }];
}

/** The stored transcript as the model sees it; tool results reach it fenced as external data. */
export function toProviderMessages(systemPrompt: string | null, messages: Message[]): ProviderMessage[] {
  const out: ProviderMessage[] = [];
  if (systemPrompt) out.push({ role: 'system', content: systemPrompt });
  for (const m of messages) {
    const blocks = (m.content ?? []) as ContentBlock[];
    if (m.role === 'user' || m.role === 'system') {
      out.push({ role: m.role, content: textOf(blocks) });
    } else if (m.role === 'assistant') {
      const toolCalls = blocks
        .filter((b) => b.type === 'tool_call')
        .map((b) => ({ id: String(b.id), name: String(b.name), arguments: String(b.arguments ?? '{}') }));
      out.push({ role: 'assistant', content: textOf(blocks), ...(toolCalls.length ? { toolCalls } : {}) });
    } else if (m.role === 'tool') {
      for (const b of blocks.filter((x) => x.type === 'tool_result')) {
        const text = String(b.text ?? '');
        out.push({
          role: 'tool',
          toolCallId: String(b.tool_call_id),
          name: String(b.name),
          content: isFenced(text) ? text : fenceExternal(`tool:${String(b.name)}`, text),
        });
      }
    }
  }
  return withAnsweredToolCalls(out);
}

/** A run that died mid-tool-loop leaves calls without results; models reject that, so answer them as interrupted. */
function withAnsweredToolCalls(messages: ProviderMessage[]): ProviderMessage[] {
  const answered = new Set(messages.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : [])));
  return messages.flatMap((m) => {
    if (m.role !== 'assistant' || !m.toolCalls?.length) return [m];
    const missing = m.toolCalls.filter((c) => !answered.has(c.id));
    return [
      m,
      ...missing.map((c) => ({
        role: 'tool' as const,
        toolCallId: c.id,
        name: c.name,
        content: 'tool call interrupted: no result',
      })),
    ];
  });
}

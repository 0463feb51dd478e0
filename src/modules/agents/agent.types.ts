export const PROVIDER_TYPES = ['echo', 'openai'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** How an agent reaches its model. `apiKey` is never part of a view. */
export interface ProviderConfig {
  type: ProviderType;
  baseUrl?: string | null;
  model?: string | null;
}

/** An agent as services and transports see it (camelCase; REST maps to snake_case). */
export interface AgentView {
  id: string;
  name: string;
  systemPrompt: string | null;
  provider: ProviderConfig & { hasApiKey: boolean };
  /** Allowed tool names or prefix patterns (`mcp.github.*`, `*`); empty = no tools. */
  tools: string[];
  runTimeoutSecs: number | null;
  builtIn: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface AgentInput {
  id: string;
  name: string;
  systemPrompt?: string | null;
  provider: ProviderConfig & { apiKey?: string | null };
  tools?: string[] | null;
  runTimeoutSecs?: number | null;
}

export type AgentPatch = Partial<Omit<AgentInput, 'id'>>;

export const MAIN_AGENT_ID = 'main';

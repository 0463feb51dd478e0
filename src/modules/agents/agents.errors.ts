import { AppException } from '../../common/errors/app-exception';

export const AgentErrors = {
  notFound: (id: string) => new AppException(404, 'AGENT_NOT_FOUND', `agent '${id}' not found`),
  exists: (id: string) => new AppException(409, 'AGENT_EXISTS', `agent '${id}' already exists`),
  builtIn: (id: string) =>
    new AppException(
      409,
      'AGENT_BUILTIN',
      `agent '${id}' is built in and cannot be deleted (change its provider with PATCH instead)`,
    ),
  invalidId: (id: string) =>
    new AppException(
      400,
      'INVALID_AGENT_ID',
      `invalid agent id '${id}': use 1-64 lowercase letters, digits, '_' or '-', starting with a letter or digit`,
    ),
  apiKeyOnlyForOpenai: () =>
    new AppException(
      422,
      'INVALID_PROVIDER',
      'provider.api_key and provider.base_url apply to the openai provider only',
    ),
};

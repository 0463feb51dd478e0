import { AppException } from '../../common/errors/app-exception';

export const HooksErrors = {
  notFound: (name: string) =>
    new AppException(404, 'HOOK_NOT_FOUND', `hook '${name}' not found in HOOKS_DIR (see GET /api/hooks)`),
};

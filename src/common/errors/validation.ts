import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException } from './app-exception';

interface FieldProblem {
  field: string;
  messages: string[];
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** whitelist + forbidNonWhitelisted + transform; errors name every offending field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const detail = fields.map((f) => f.messages.join(', ')).join('; ');
      return new AppException(400, 'VALIDATION_FAILED', detail || 'invalid request', { errors: fields });
    },
  });
}

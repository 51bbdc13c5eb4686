import { ApiError } from './client';

export interface FormErrors {
  /** Messages to show next to the named inputs. */
  fields: Record<string, string>;
  /** A message for the form as a whole, when no single input is to blame. */
  banner: string | null;
}

export const NO_ERRORS: FormErrors = { fields: {}, banner: null };

/**
 * Decides where a failed request's message goes: next to the field the server named (when the
 * form has that field) or in a banner above the form.
 */
export function formErrors(err: unknown, fields: readonly string[]): FormErrors {
  if (err instanceof ApiError) {
    const field = err.field;
    if (field && fields.includes(field)) {
      return { fields: { [field]: err.userMessage }, banner: null };
    }
    return { fields: {}, banner: err.userMessage };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { fields: {}, banner: `Something went wrong: ${message}` };
}

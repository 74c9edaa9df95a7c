/**
 * The server's validation errors, ready for a form: the first message per field (from the zod
 * issues the API puts in `error.data.zodError`) and a message for the form when no field is named.
 */

interface ErrorWithData {
  message: string;
  data?: { zodError?: { fieldErrors?: Record<string, string[] | undefined> } | null } | null;
}

export interface FormErrors {
  fields: Record<string, string>;
  form: string | null;
}

export const NO_ERRORS: FormErrors = { fields: {}, form: null };

export function formErrorsOf(error: ErrorWithData | null | undefined): FormErrors {
  if (!error) return NO_ERRORS;
  const fields: Record<string, string> = {};
  for (const [field, messages] of Object.entries(error.data?.zodError?.fieldErrors ?? {})) {
    const first = messages?.[0];
    if (first) fields[field] = first;
  }
  return { fields, form: Object.keys(fields).length > 0 ? null : error.message };
}

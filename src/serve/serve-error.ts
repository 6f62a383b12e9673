/** A refusal of the API, as `{error: {code, message}}` with its HTTP status. Codes are stable; tests assert them. */
export class ServeError extends Error {
  override readonly name = 'ServeError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const isServeError = (error: unknown): error is ServeError => error instanceof ServeError;

// Masking lives with the other masking rules in the domain; kept here for the log module's imports.
export { maskEmail } from '../domain/mask-account.ts';

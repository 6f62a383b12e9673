/**
 * HTTP Basic with the API key as the user name and a blank password — what `curl -u key:` sends, and how Openpay,
 * Conekta and Digital FEMSA all authenticate (openpay-api.txt: "la llave de API es el nombre de usuario. La
 * contraseña … debe dejarse en blanco").
 */
export function basicAuthHeader(apiKey: string): string {
  return `Basic ${Buffer.from(`${apiKey}:`, 'utf8').toString('base64')}`;
}

/** How a batch's providers are named to people: the one provider, or "mixed" when its rows go to several. */
export function providerLabel(providers: readonly string[], batchProvider: string): string {
  if (providers.length > 1) return 'mixed';
  return providers[0] ?? batchProvider;
}

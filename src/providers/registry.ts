import type { ProviderId } from '../domain/provider-id.ts';
import type { PayoutProvider } from './payout-provider.ts';
import type { ProviderModule } from './provider-module.ts';
import { conektaModule } from './conekta/conekta.module.ts';
import { digitalfemsaModule } from './digitalfemsa/digitalfemsa.module.ts';
import { openpayModule } from './openpay/openpay.module.ts';
import { zenriseModule } from './zenrise/zenrise.module.ts';

/** The one list of providers the tool pays through, in PROVIDER_IDS order. A new provider is one line here. */
const MODULES: readonly ProviderModule[] = [openpayModule, conektaModule, digitalfemsaModule, zenriseModule];

const BY_ID: ReadonlyMap<ProviderId, ProviderModule> = new Map(MODULES.map((descriptor) => [descriptor.id, descriptor]));

/** Every provider module, in PROVIDER_IDS order. */
export function providerModules(): readonly ProviderModule[] {
  return MODULES;
}

/** What the tool knows about one provider. */
export function getProviderModule(id: ProviderId): ProviderModule {
  const descriptor = BY_ID.get(id);
  if (!descriptor) throw new TypeError(`unknown provider ${JSON.stringify(id)}`);
  return descriptor;
}

/** The adapter of a provider. Adapters are stateless: the same object serves every session. */
export function getProvider(id: ProviderId): PayoutProvider {
  return getProviderModule(id).adapter;
}

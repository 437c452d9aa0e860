/**
 * Names and addresses: validation of what callers pass in, the namespace names derived from it, and the
 * allocation of each model's subnet and each machine's address. Pure functions only.
 */

const namePattern = /^[a-z0-9][a-z0-9-]{0,30}$/;
const labelPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function validateModelName(model: string): void {
  if (!namePattern.test(model)) {
    throw new Error(`invalid model name "${model}": use 1-31 characters a-z, 0-9 and "-", starting with a letter or digit`);
  }
}

export function validateMachineId(id: string): void {
  if (!namePattern.test(id)) {
    throw new Error(
      `invalid machine id "${id}": use 1-31 characters a-z, 0-9 and "-", starting with a letter or digit ` +
        `(map Juju container ids such as "0/lxd/1" to "0-lxd-1")`,
    );
  }
}

export function validateHostname(hostname: string): void {
  if (!labelPattern.test(hostname)) {
    throw new Error(`invalid hostname "${hostname}": a DNS label of 1-63 characters a-z, 0-9 and "-", not starting or ending with "-"`);
  }
}

export function validateDomain(domain: string): void {
  const labels = domain.split('.');
  if (domain.length > 200 || labels.some((label) => !labelPattern.test(label))) {
    throw new Error(`invalid domain "${domain}": dot-separated DNS labels (a-z, 0-9, "-"), e.g. "mymodel.localmodel"`);
  }
}

export function defaultDomain(model: string): string {
  return `${model}.localmodel`;
}

/** "." cannot occur in model names or ids, so these never collide between models. */
export function switchNetnsName(model: string): string {
  return `lm.${model}`;
}

export function machineNetnsName(model: string, id: string): string {
  return `lm.${model}.${id}`;
}

/** Interface names are per namespace, so a short per-model counter is enough on the switch side. */
export function switchPortName(hostNumber: number): string {
  return `v${hostNumber}`;
}

// Models live in 10.247.<index>.0/24; the switch is .254, machines take .1 - .253.
const modelBase = [10, 247] as const;
export const maxModels = 256;
export const gatewayHostNumber = 254;
export const maxHostNumber = 253;

export interface ModelSubnet {
  index: number;
  cidr: string;
  prefixLength: number;
  gateway: string;
}

export function modelSubnet(index: number): ModelSubnet {
  if (!Number.isInteger(index) || index < 0 || index >= maxModels) throw new Error(`model subnet index ${index} out of range 0-${maxModels - 1}`);
  const prefix = `${modelBase[0]}.${modelBase[1]}.${index}`;
  return { index, cidr: `${prefix}.0/24`, prefixLength: 24, gateway: `${prefix}.${gatewayHostNumber}` };
}

export function machineAddress(subnet: ModelSubnet, hostNumber: number): string {
  if (!Number.isInteger(hostNumber) || hostNumber < 1 || hostNumber > maxHostNumber) {
    throw new Error(`host number ${hostNumber} out of range 1-${maxHostNumber}`);
  }
  return subnet.gateway.replace(/\.\d+$/, `.${hostNumber}`);
}

function lowestFree(used: Iterable<number>, first: number, last: number, what: string): number {
  const taken = new Set(used);
  for (let candidate = first; candidate <= last; candidate++) if (!taken.has(candidate)) return candidate;
  throw new Error(`no free ${what} left (${last - first + 1} in use); destroy a model or machine first`);
}

export function allocateModelIndex(used: Iterable<number>): number {
  return lowestFree(used, 0, maxModels - 1, 'model subnet');
}

export function allocateHostNumber(used: Iterable<number>): number {
  return lowestFree(used, 1, maxHostNumber, 'machine address in this model');
}

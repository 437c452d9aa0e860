/** The machine layer of the local model; see README.md for the contract. */
export type {
  BindMount, ExecOptions, ExecResult, Machine, MachineRef, MachineSpec, ModelProcess, Progress, ProgressEvent, SpawnOptions,
} from './types.js';
export { archivePackageSets, packagesForCharms, type ArchivePackageSet } from './archive-packages.js';
export { preparePackageLayer, type LayerInfo } from './layers.js';
export { prepareArchive, type ArchiveInfo } from './archive.js';
export { prepareImage, imageRecipe, type ImageInfo } from './image.js';
export { checkHostPrerequisites } from './prerequisites.js';
export {
  createModelNetwork, destroyModel, destroyModelNetwork, listModels, modelGatewayAddress, runInModelNetwork, stopModelProcess,
  type ModelNetwork,
} from './model.js';
export {
  destroyMachine, execInMachine, getMachine, isRunning, listMachines, powerOff, powerOn, reset, spawnInMachine, startMachine,
} from './machines.js';
export { killSpawned } from './exec.js';

/**
 * What code outside the storage steps may use of them (the report's storage section, the
 * storage handlers; docs/architecture.md, "What may import what").
 */
export { storageStep, evaluateStorage, hostActions, packagesFor, plannedHosts } from './step.js';
export { storageDisksStep, hostDisks } from './disks-step.js';
export { diskEligibility, parseDisksCapture, SIZE_TOLERANCE, type HostDiskFacts, type RawDisk } from './eligibility.js';
export { parseMdstat, parseMdadmDetail, parseMdadmExport, parseLsblk, parseWipefs, type MdstatArray, type MdstatSync } from './parse.js';
export { arrayStatusFromCapture, readStatusCapture, volumeDevice, plannedVolumes } from './status.js';
export { STATUS_SCRIPT, EXIT as STORAGE_EXIT, MARK as STORAGE_MARK } from './scripts.js';

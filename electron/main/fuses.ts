/**
 * Electron fuses for the packaged app (docs/architecture.md, Security: "fuses set in the build"). Fuses are
 * bits in the Electron binary, flipped at package time before code signing, so the OS signature
 * check keeps them from being flipped back. Nothing at runtime reads this object: electron-builder
 * applies it when it packages (electron-builder.config.ts passes it as `electronFuses`, each key
 * in camelCase; electron-builder hands it to @electron/fuses as the FuseV1Options member of the same
 * name). electron/main/security-checklist.test.ts checks every value reaches electron-builder's
 * fuse wire.
 *
 * Consequences to keep in mind: with RunAsNode off, child_process.fork() from the main process
 * does not work (use utilityProcess); with OnlyLoadAppFromAsar on, the app must be packaged as
 * app.asar; asar integrity validation needs the packager to embed the asar hash (macOS/Windows).
 */
export const ELECTRON_FUSES = {
  /** ELECTRON_RUN_AS_NODE would turn the signed binary into a general-purpose Node. */
  RunAsNode: false,
  EnableCookieEncryption: true,
  /** NODE_OPTIONS could preload arbitrary code into the main process. */
  EnableNodeOptionsEnvironmentVariable: false,
  /** --inspect would let anyone on the machine attach a debugger to the main process. */
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  /** We never load file://, so it needs none of its legacy extra privileges. */
  GrantFileProtocolExtraPrivileges: false,
} as const satisfies Record<string, boolean>;

export type ElectronFuseName = keyof typeof ELECTRON_FUSES;

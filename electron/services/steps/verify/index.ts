export { evaluateVerification, LOCAL_CHECKS, VERIFY_ACTIONS, VERIFY_PHASES, verificationStep, verifyActions, verifyLocal, verifyPhases } from './step.js';
export { expectedUnits, verifyContext, vipPort, unplannedPort, type VerifyCtx } from './checks.js';

import { anyFaults, type FaultSettings, faultsVariable, parseFaults } from '../../lambdas/shared/faults';
import type { LocalPipelineOptions } from '../emulator';

/**
 * The app's fault settings as the emulator takes them: throttling and duplicate deliveries are
 * injected by the emulator itself, the rest by the functions, which read them from their environment.
 */
export const faultOptions = (
  faults: FaultSettings,
): Pick<LocalPipelineOptions, 'faults' | 'environment'> => ({
  faults: { throttle: faults.throttle, duplicate: faults.duplicate },
  ...(anyFaults(faults) ? { environment: { [faultsVariable]: JSON.stringify(faults) } } : {}),
});

export { anyFaults, type FaultSettings, parseFaults };

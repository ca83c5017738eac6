import { createFunctionHost, type FunctionHost, type FunctionHostOptions } from '../lambda';
import type { FunctionSpec, Topology } from '../template';
import { functionEnvironments } from './environment';
import type { LocalPipelineOptions } from './options';
import type { MetricSums } from './status';

export interface FunctionHostsSettings extends Omit<FunctionHostOptions, 'environment' | 'maxEnvironments'> {
  readonly environmentOf: (fn: FunctionSpec) => Readonly<Record<string, string>>;
}

/** One host per function, shared by everything that invokes it: event sources, subscriptions, APIs. */
export class FunctionHosts {
  private readonly hosts = new Map<string, FunctionHost>();

  constructor(private readonly settings: FunctionHostsSettings) {}

  /** The function's host; the first caller sizes it with `environments` execution environments. */
  hostFor(fn: FunctionSpec, environments: number): FunctionHost {
    const existing = this.hosts.get(fn.name);
    if (existing) return existing;
    const { environmentOf, ...hostOptions } = this.settings;
    // Invocations over the reserved concurrency are throttled before they need an environment.
    const reserved = Math.max(1, fn.reservedConcurrentExecutions ?? environments);
    const created = createFunctionHost(fn, {
      ...hostOptions,
      environment: environmentOf(fn),
      maxEnvironments: Math.min(environments, reserved),
    });
    this.hosts.set(fn.name, created);
    return created;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((host) => host.stop()));
  }
}

/** The hosts of a run: functions get the emulator's environment, and their metrics are summed. */
export const createFunctionHosts = (
  endpoint: string,
  topology: Topology,
  queueUrls: ReadonlyMap<string, string>,
  options: LocalPipelineOptions,
  metrics: MetricSums,
): FunctionHosts =>
  new FunctionHosts({
    environmentOf: functionEnvironments(endpoint, topology.queues, queueUrls, options),
    idleTimeoutMs: options.idleTimeoutMs,
    onLog: options.onLog,
    onMetrics: (emf, name) => {
      metrics.add(emf, name);
      options.onMetrics?.(emf, name);
    },
  });

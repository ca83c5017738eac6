/** What `startLocalPipeline` takes and what it answers. */
import { availableParallelism } from 'node:os';
import type { EmbeddedBackend } from '../backend';
import type { LocalClients } from '../clients';
import type { BatchReport } from '../event-source';
import type { AccessLine, DevTokenRequest, LocalHttpApi } from '../http-api';
import type { EmfDocument, FunctionError } from '../lambda';
import type { EventSourceMappingSpec, FunctionSpec, Topology } from '../template';

/** Faults the emulator injects, each a share from 0 to 1 (the app's own faults go in `environment`). */
export interface EmulatorFaults {
  /** DynamoDB and S3 requests answered with a throttling error. */
  readonly throttle?: number;
  /** S3 events delivered twice, and processed messages whose delete is lost: at-least-once delivery. */
  readonly duplicate?: number;
}

export interface LocalPipelineOptions {
  /** The cloud assembly (cdk.out) to run. */
  readonly cloudAssemblyDir: string;
  /** Needed when the assembly holds several stacks. */
  readonly stackName?: string;
  /** An AWS-compatible endpoint (e.g. LocalStack) to use instead of the embedded backend. */
  readonly endpoint?: string;
  /** Port of the embedded backend; 0 picks a free one. Default 4566. */
  readonly port?: number;
  readonly host?: string;
  readonly region?: string;
  /** Default: the endpoint's own, from STS GetCallerIdentity. */
  readonly accountId?: string;
  /**
   * Upper bound on concurrent invocations per event source mapping, over its MaximumConcurrency
   * (the bench and the soak default to `twoPerCore`).
   * A mapping starts at Lambda's 5 concurrent batches and scales with its backlog up to the bound.
   */
  readonly maxConcurrency?: number;
  /** Variables added to every function's environment (e.g. the app's own fault-injection setting). */
  readonly environment?: Readonly<Record<string, string>>;
  /** LevelDB directory that keeps the embedded DynamoDB's data across restarts. */
  readonly dynamoPath?: string;
  /** Faults the emulator injects in the backend and the deliveries (soak and crash tests). */
  readonly faults?: EmulatorFaults;
  /** Run the backend, resources and notifications only, no functions: consumers run elsewhere. */
  readonly backendOnly?: boolean;
  /** Skip creating resources (they exist already, e.g. created by a backend-only process). */
  readonly skipProvision?: boolean;
  /**
   * Experiments only (the benchmark's sweeps): change an event source mapping's batch size,
   * batching window or concurrency without synthesizing again. The template stays the source.
   */
  readonly adjustMapping?: (mapping: EventSourceMappingSpec, fn: FunctionSpec) => EventSourceMappingSpec;
  /** Experiments only: extra variables for one function. */
  readonly functionEnvironment?: (fn: FunctionSpec) => Readonly<Record<string, string>> | undefined;
  /** Delays before each retry of a failed SNS-to-Lambda delivery; Lambda's 1 and 2 minutes by default. */
  readonly asyncRetryDelaysMs?: readonly number[];
  /** Port of the (first) HTTP API; 0 picks a free one. Default 0. */
  readonly httpApiPort?: number;
  /** Concurrent invocations of a function behind an HTTP API (Lambda scales it on demand). Default 4. */
  readonly httpApiConcurrency?: number;
  readonly onAccess?: (line: AccessLine, api: string) => void;
  /** How long an idle execution environment is kept warm. */
  readonly idleTimeoutMs?: number;
  readonly onLog?: (line: string, functionName: string) => void;
  readonly onMetrics?: (emf: EmfDocument, functionName: string) => void;
  readonly onBatch?: (report: BatchReport) => void;
  readonly onWarning?: (message: string) => void;
  readonly onError?: (error: unknown, where: string) => void;
}

export interface ConsumerStatus {
  /** Logical id of the event source mapping. */
  readonly mapping: string;
  readonly functionName: string;
  readonly queueName: string;
  readonly dlqName?: string;
  /** The most batches the mapping may run at once (MaximumConcurrency, Lambda's ceiling, the runtime's cap). */
  readonly concurrency: number;
  /** Batches it may run at once now: it starts at 5, grows with the backlog, backs off on errors. */
  readonly currentConcurrency: number;
  /** Invoke attempts throttled by the function's reserved concurrency. */
  readonly throttles: number;
  readonly messagesInFlight: number;
  readonly invocationsInFlight: number;
  readonly invocations: number;
  /** Messages deleted after a successful invocation (or as their batch's successes). */
  readonly deleted: number;
  /** Messages left for redelivery by a failed invocation or a batch item failure. */
  readonly retried: number;
  readonly filteredOut: number;
  readonly coldStarts: number;
  readonly timeouts: number;
  readonly errors: number;
  /** Visible messages waiting in the queue. */
  readonly backlog: number;
  /** Messages received and not yet deleted (in flight or waiting out a visibility timeout). */
  readonly notVisible: number;
  readonly dlqDepth: number;
  /** Sums of the EMF metrics the function printed, by metric name. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The function's last invocation that failed as a whole (threw, timed out, crashed, init failed). */
  readonly lastError?: FunctionError;
}

export interface LocalPipeline {
  readonly endpoint: string;
  readonly region: string;
  readonly topology: Topology;
  /** Queue URL by queue ARN. */
  readonly queueUrls: ReadonlyMap<string, string>;
  readonly clients: LocalClients;
  /** Undefined when running against an external endpoint. */
  readonly backend?: EmbeddedBackend;
  readonly startedInMs: number;
  status(): Promise<ConsumerStatus[]>;
  /** The HTTP APIs of the stack, each on its own port. */
  readonly httpApis: readonly LocalHttpApi[];
  /** A token the HTTP API's JWT authorizer accepts (the runtime is the local identity provider). */
  issueToken(request: DevTokenRequest): Promise<string>;
  /**
   * Holds (true) or lets go (false) the consumers: batches the event sources receive wait before
   * their invocation, in flight, as behind a throttled function. For back-pressure experiments.
   */
  holdConsumers(hold: boolean): void;
  /** Resolves when every object event seen so far has been delivered to its destinations. */
  notificationsDelivered(): Promise<unknown>;
  /** Stops polling, lets the invocations under way finish, then shuts everything down. */
  stop(): Promise<void>;
}

/**
 * A `maxConcurrency` for load on this machine. Lambda gives each environment its own share of CPU;
 * locally they all share this machine's cores. Two invocations per core keep the cores busy while
 * one waits on I/O, and keep each invocation inside its timeout under overload (with the template's
 * 50 on 2 cores, thumbnail batches ran out of time, and the soak's 8 s ones filled the DLQs).
 */
export const twoPerCore = 2 * availableParallelism();

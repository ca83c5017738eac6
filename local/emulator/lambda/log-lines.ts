import type { EmfDocument } from './types';

/**
 * Cuts a text stream into lines. The end marker the worker writes after each invocation is taken
 * out and reported on its own; text before it on the same line (a write without a newline) is
 * still a log line.
 */
export class LineSplitter {
  private partial = '';

  constructor(
    private readonly endMarker: string,
    private readonly onLine: (line: string) => void,
    private readonly onMarker: () => void,
  ) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  end(): void {
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  }

  private emit(line: string): void {
    if (line.endsWith(this.endMarker)) {
      const before = line.slice(0, -this.endMarker.length);
      if (before) this.onLine(before);
      this.onMarker();
    } else if (line) {
      this.onLine(line);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmf(value: unknown): value is EmfDocument {
  return isRecord(value) && isRecord(value._aws) && Array.isArray(value._aws.CloudWatchMetrics);
}

/** The EMF document a line holds, or undefined for an ordinary log line. */
export function parseEmf(line: string): EmfDocument | undefined {
  if (!line.startsWith('{') || !line.includes('"_aws"')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (isEmf(value)) return value;
  } catch {
    // Not JSON after all: an ordinary line.
  }
  return undefined;
}

/**
 * What Nomad's event stream sends (https://developer.hashicorp.com/nomad/api-docs/events): one
 * JSON object per line. A frame holds the events of one Raft index; `{}` is a heartbeat the
 * server writes to keep the connection open (nomad/stream/ndjson.go). Only the fields tagroll
 * reads are typed.
 */
export interface NomadEvent {
  Topic: string;
  Type: string;
  Key: string;
  Namespace: string;
  Index: number;
  Payload?: {
    Allocation?: { JobID?: string; Namespace?: string; ClientStatus?: string; DesiredStatus?: string };
    Job?: { ID?: string; Namespace?: string; Meta?: Record<string, string> | null };
    Deployment?: { JobID?: string; Namespace?: string };
  };
}

export interface NomadEventFrame {
  Index: number;
  Events: NomadEvent[];
}

/**
 * Splits the stream's bytes into frames. A read may end in the middle of a line (or of a UTF-8
 * character), so the tail is kept until its newline arrives. Heartbeats and blank lines give
 * nothing; a line that is not a frame throws, naming it, because it means the answer is not
 * the stream this code understands.
 */
export class EventFrames {
  private readonly decoder = new TextDecoder();
  private tail = "";

  push(chunk: Uint8Array | string): NomadEventFrame[] {
    this.tail += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const lines = this.tail.split("\n");
    this.tail = lines.pop() ?? "";
    const frames: NomadEventFrame[] = [];
    for (const line of lines) {
      const frame = parseLine(line);
      if (frame) frames.push(frame);
    }
    return frames;
  }
}

function parseLine(line: string): NomadEventFrame | undefined {
  const text = line.trim();
  if (text === "" || text === "{}") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`Nomad event stream sent a line that is not JSON: ${text.slice(0, 120)}`);
  }
  const frame = parsed as Partial<NomadEventFrame>;
  if (typeof frame.Index !== "number" || !Array.isArray(frame.Events)) {
    throw new Error(`Nomad event stream sent a line that is not an event frame: ${text.slice(0, 120)}`);
  }
  return { Index: frame.Index, Events: frame.Events };
}

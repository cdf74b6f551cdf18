import { get } from "node:http";

/** One request the load loop sent: when it started and ended (epoch ms), and whether it failed. */
export interface Sample {
  start: number;
  end: number;
  ok: boolean;
  error?: string;
}

export interface LoadReport {
  total: number;
  failed: number;
  /**
   * Longest run of consecutive failed requests (in send order, no success in between), from the
   * first one's start to the last one's end; 0 when nothing failed.
   */
  longestErrorWindowMs: number;
  /** First few distinct error messages, to say what failed. */
  errors: string[];
  samples: Sample[];
}

/**
 * An open-loop HTTP load: `ratePerSecond` GETs sent on schedule whatever the answers take (so a
 * stall shows up as failures, not as a slower client), each on a new connection (`agent: false`,
 * `Connection: close`) as short-lived clients would. A request fails on a connection error, a
 * timeout, or a non-200 answer.
 */
export function startOpenLoopLoad(url: string, ratePerSecond: number, timeoutMs = 5_000) {
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const startedAt = Date.now();
  let sent = 0;
  const fire = () => {
    const sample: Sample = { start: Date.now(), end: 0, ok: false };
    samples.push(sample);
    const done = request(url, timeoutMs).then(
      () => Object.assign(sample, { ok: true, end: Date.now() }),
      (err: Error) => Object.assign(sample, { ok: false, end: Date.now(), error: err.message }),
    );
    const tracked = done.then(() => void inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  // A coarse timer that catches up to the schedule: setInterval alone drifts under load.
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - startedAt) * ratePerSecond) / 1000);
    while (sent < due) {
      sent++;
      fire();
    }
  }, 5);
  return {
    stop: async (): Promise<LoadReport> => {
      clearInterval(timer);
      await Promise.all(inFlight);
      return summarize(samples);
    },
  };
}

export function summarize(samples: Sample[]): LoadReport {
  const ordered = [...samples].sort((a, b) => a.start - b.start);
  let longest = 0;
  let run: { start: number; end: number } | undefined;
  for (const s of ordered) {
    if (s.ok) {
      run = undefined;
      continue;
    }
    if (run) run.end = Math.max(run.end, s.end);
    else run = { start: s.start, end: s.end };
    longest = Math.max(longest, run.end - run.start);
  }
  const failed = ordered.filter((s) => !s.ok);
  return {
    total: ordered.length,
    failed: failed.length,
    longestErrorWindowMs: longest,
    errors: [...new Set(failed.map((s) => s.error ?? "?"))].slice(0, 5),
    samples: ordered,
  };
}

function request(url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, headers: { connection: "close" }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("error", reject);
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/**
 * Command-line flags that override the file and the environment, as commander hands them over
 * (camelCase keys, string values unless the command parses them).
 */
export interface ConfigFlags {
  config?: string;
  port?: string | number;
  host?: string;
  publicUrl?: string;
  logLevel?: string;
  consulAddr?: string;
  nomadAddr?: string;
  /** Path of a PEM certificate; HTTPS when set together with `tlsKey`. */
  tlsCert?: string;
  tlsKey?: string;
  /** `--no-coordinator` serves webhooks only. */
  coordinator?: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

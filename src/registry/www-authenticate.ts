/**
 * A registry's `WWW-Authenticate` challenge (RFC 7235 syntax), as the Distribution token flow uses
 * it: `Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a/b:pull"`
 * or `Basic realm="Registry Realm"`. See the Distribution docs, "Token Authentication
 * Specification" (https://distribution.github.io/distribution/spec/auth/token/).
 */
export interface Challenge {
  scheme: "bearer" | "basic";
  realm?: string;
  service?: string;
  scope?: string;
}

/** Parses the first Bearer or Basic challenge of a header; undefined when there is none. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  const scheme = match?.[1]?.toLowerCase();
  if (scheme !== "bearer" && scheme !== "basic") return undefined;
  const params: Record<string, string> = {};
  // name=value or name="quoted, with \" escapes", separated by commas.
  const param = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = match?.[2] ?? "";
  param.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (param.lastIndex < rest.length && (m = param.exec(rest)) !== null) {
    const name = m[1]?.toLowerCase() ?? "";
    params[name] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
  }
  return {
    scheme,
    ...(params["realm"] !== undefined && { realm: params["realm"] }),
    ...(params["service"] !== undefined && { service: params["service"] }),
    ...(params["scope"] !== undefined && { scope: params["scope"] }),
  };
}

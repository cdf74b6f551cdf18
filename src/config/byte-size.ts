const UNITS: Record<string, number> = { "": 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2 };

/**
 * Parses a body size: a number of bytes, or a string such as "64KiB", "1MiB", "512kb". Like
 * express's `bytes` helper, "kb" means 1024 so both spellings agree. Undefined when invalid.
 */
export function parseByteSize(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const factor = UNITS[(match?.[2] ?? "").toLowerCase()];
  if (!match || factor === undefined) return undefined;
  const bytes = Number(match[1]) * factor;
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

export const BYTE_SIZE_HINT = 'expected a size in bytes or like "64KiB" or "1MiB"';

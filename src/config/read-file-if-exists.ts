import { readFileSync } from "node:fs";

/** The real `ReadFile`: UTF-8 contents, or undefined when the path does not exist. */
export function readFileIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

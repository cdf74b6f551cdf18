/**
 * The next page of a paginated Distribution list (`/v2/<name>/tags/list`): the registry sends
 * `Link: </v2/acme/web/tags/list?last=1.9&n=100>; rel="next"` while more remain (Distribution
 * spec, "Listing Tags"). Returns the target resolved against `base`, or undefined on the last page.
 */
export function nextPageUrl(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m) continue;
    const rels = /rel\s*=\s*"?([^";]+)"?/i.exec(m[2] ?? "")?.[1]?.split(/\s+/) ?? [];
    if (rels.includes("next")) return new URL(m[1] ?? "", base).toString();
  }
  return undefined;
}

import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { statusPageCsp, statusPageHtml } from "../../../src/status-page/page-html.js";

const NONCE = "bm9uY2Utbm9uY2Utbm9uY2U=";
const html = statusPageHtml(NONCE);

function inlineScript(page: string): string {
  const match = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(page);
  if (!match?.[1]) throw new Error("no inline script");
  return match[1];
}

describe("status page shell", () => {
  it("names no other host: no http(s) URL, no protocol-relative URL, nothing external to load", () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\/\//i);
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*rel=["']?stylesheet/i);
    expect(html).not.toMatch(/@import|url\(/i);
    // The only link is the empty data: icon that stops a favicon request.
    expect([...html.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((m) => m[1])).toEqual(["data:,"]);
  });

  it("carries no data: the service list is empty until the page fetches it with a token", () => {
    expect(html).toMatch(/<div id="services" aria-live="polite"><\/div>/);
    const markup = html.replace(inlineScript(html), "");
    expect(markup).not.toMatch(/data-service|data-alloc-id|<article\b|<li\b/);
  });

  it("puts the nonce on its one script and one style block, and the CSP allows only that nonce", () => {
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html.match(/<style\b/g)).toHaveLength(1);
    expect(html).toContain(`<script nonce="${NONCE}">`);
    expect(html).toContain(`<style nonce="${NONCE}">`);
    const csp = statusPageCsp(NONCE);
    expect(csp).toContain(`script-src 'nonce-${NONCE}'`);
    expect(csp).toContain(`style-src 'nonce-${NONCE}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it("has no inline style attributes or event handler attributes, which the CSP would block", () => {
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(inlineScript(html)).not.toMatch(
      /setAttribute\(\s*["']style|\.innerHTML|outerHTML|insertAdjacentHTML|eval\(/,
    );
  });

  it("ships a script that parses, never closes its own tag early, and reads the token from the fragment", () => {
    const script = inlineScript(html);
    expect(() => new Script(script)).not.toThrow();
    expect(script).not.toMatch(/<\/script/i);
    expect(script).toContain("location.hash");
    expect(script).toContain("sessionStorage");
    expect(script).toContain('"Bearer "');
    // Relative URLs: the page works under a path prefix behind a proxy.
    expect(script).toContain('fetch("status/data"');
    expect(script).toContain('fetch("status/events"');
  });

  it("reads on a phone: a viewport meta and a token form", () => {
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain("Paste a token with read scope");
    expect(html).toMatch(/<form id="auth-form"/);
  });
});

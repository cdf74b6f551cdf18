import { isObject, objectAt, stringAt } from "../json-fields.js";
import type { PushParser } from "../parser.js";
import { readRegistryEvent } from "../registry-event.js";

const label = "Azure Container Registry";

/**
 * Azure Container Registry: one Distribution-shaped event with no envelope (README, "Azure Container Registry (ACR)"). The
 * registry host is `request.host`; `delete`, `chart_push`, `quarantine` and the portal's ping carry
 * nothing to deploy, and a digest-only push has an empty tag.
 */
export const acrParser: PushParser = {
  source: "acr",
  label,
  matches(req) {
    const action = stringAt(req.body, "action");
    if (!isObject(req.body) || action === undefined || "events" in req.body) return false;
    return objectAt(req.body, "target") !== undefined || action === "ping";
  },
  parse(req, receivedAt) {
    const read = readRegistryEvent(label, "acr", req.body, receivedAt);
    return typeof read === "string" ? { events: [], ignored: [read] } : { events: [read], ignored: [] };
  },
};

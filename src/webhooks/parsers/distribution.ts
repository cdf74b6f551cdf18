import { ValidationError } from "../../core/errors.js";
import { arrayAt, objectAt } from "../json-fields.js";
import type { ParseResult, PushParser } from "../parser.js";
import { readRegistryEvent } from "../registry-event.js";

/** `registry:2` sends `…events.v1+json`, `registry:3` sends `…events.v2+json` (https://distribution.github.io/distribution/about/notifications/). */
const EVENTS_MEDIA_TYPE = /^application\/vnd\.docker\.distribution\.events\.v[12]\+json$/;

const label = "Docker Distribution";

/**
 * CNCF Distribution (`registry:2`/`registry:3`, GitLab's registry) notifications: an envelope
 * `{events: [...]}` that v2.8 may fill with several unrelated events, among them pulls, mounts and
 * one push per blob. Each event is read on its own.
 */
export const distributionParser: PushParser = {
  source: "distribution",
  label,
  matches(req) {
    if (EVENTS_MEDIA_TYPE.test(req.contentType)) return true;
    const events = arrayAt(req.body, "events");
    return events !== undefined && events.some((event) => objectAt(event, "target") !== undefined);
  },
  parse(req, receivedAt) {
    const events = arrayAt(req.body, "events");
    if (events === undefined) throw new ValidationError(`${label} payload has no events array`);
    const result: ParseResult = { events: [], ignored: [] };
    if (events.length === 0) result.ignored.push("empty envelope");
    for (const event of events) {
      const read = readRegistryEvent(label, "distribution", event, receivedAt);
      if (typeof read === "string") result.ignored.push(read);
      else result.events.push(read);
    }
    return result;
  },
};

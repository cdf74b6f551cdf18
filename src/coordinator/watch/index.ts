/**
 * Watching Consul KV: one blocking query per watched folder, with Consul's index rules and a rate limit.
 */
export { collapsePrefixes, KvWatcher, type WatchedChange } from "./kv-watcher.js";
export { TokenBucket } from "./token-bucket.js";
export { keyBasename, nextWatchIndex, watchPrefix } from "./watch-index.js";

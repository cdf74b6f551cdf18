import { splitReference } from "./image-reference.js";

/** Names Docker Hub answers to; they all mean `docker.io`. */
const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/**
 * The canonical `host/path` of an image reference, so that `nginx`, `library/nginx`,
 * `docker.io/library/nginx` and `index.docker.io/library/nginx:1.27` compare equal. A first
 * segment is a registry host only when it has a dot or a port or is `localhost` (Docker's rule).
 * Everything is lower-cased: repository paths are lower-case by the OCI grammar, and GHCR payloads
 * keep the owner's display casing (`Codertocat`).
 */
export function normalizeRepository(reference: string): string {
  const { repository } = splitReference(reference.trim());
  const slash = repository.indexOf("/");
  const first = slash === -1 ? "" : repository.slice(0, slash);
  const hasHost = first.includes(".") || first.includes(":") || first === "localhost";
  let host = hasHost ? first.toLowerCase() : "docker.io";
  let path = (hasHost ? repository.slice(slash + 1) : repository).toLowerCase();
  if (DOCKER_HUB_HOSTS.has(host)) host = "docker.io";
  if (host === "docker.io" && !path.includes("/")) path = `library/${path}`;
  return `${host}/${path}`;
}

/**
 * Whether an event's repository is the service's configured image: a token for `web` must never
 * deploy `db` (README, "Security model": mismatch → 403).
 */
export function repositoryMatches(eventRepository: string, serviceImage: string): boolean {
  if (eventRepository.trim() === "" || serviceImage.trim() === "") return false;
  return normalizeRepository(eventRepository) === normalizeRepository(serviceImage);
}

import { ValidationError } from "../core/errors.js";

/** Where an image lives: the registry host to call and the repository name it knows. */
export interface ImageLocation {
  /** Host (and port) as configured, e.g. `registry.example.com:5000`, `docker.io`. */
  host: string;
  /** Host the API is actually called on (`registry-1.docker.io` for Docker Hub). */
  apiHost: string;
  /** Repository path in the registry, e.g. `acme/web`, `library/nginx`. */
  repository: string;
}

const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/**
 * Splits a service's `image` into registry host and repository the way Docker does: a first path
 * segment with a dot or a colon, or `localhost`, is a host; anything else is on Docker Hub, where
 * a one-segment name lives under `library/`.
 */
export function locateImage(image: string): ImageLocation {
  const slash = image.indexOf("/");
  const first = slash === -1 ? "" : image.slice(0, slash);
  const hasHost = slash !== -1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const host = hasHost ? first : "docker.io";
  let repository = hasHost ? image.slice(slash + 1) : image;
  if (repository === "" || /[@\s]/.test(repository)) {
    throw new ValidationError(`image ${JSON.stringify(image)} names no repository`);
  }
  if (DOCKER_HUB.has(host) && !repository.includes("/")) repository = `library/${repository}`;
  return { host, apiHost: DOCKER_HUB.has(host) ? "registry-1.docker.io" : host, repository };
}

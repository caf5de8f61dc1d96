/**
 * The container images of the three services, pinned once for the `docker` environment
 * (services/docker.ts). docker-compose.yml names the same images (a unit test checks it).
 */
export const SERVICE_IMAGES = Object.freeze({
  redis: 'redis:7.4',
  mysql: 'mysql:8.4',
  toxiproxy: 'ghcr.io/shopify/toxiproxy:2.12.0',
} as const);

/** A service the docker environment runs as a container. */
export type ServiceName = keyof typeof SERVICE_IMAGES;

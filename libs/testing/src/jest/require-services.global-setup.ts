import { loadLocalServices } from '../services/local-services';
import { hostPortOf, probePort, probeUnixSocket } from '../services/probe-port';

/**
 * Integration tests need the real services; when one is missing, say which one and how to start
 * it once, instead of letting every test time out with a driver error.
 */
export default async function requireServices(): Promise<void> {
  const services = loadLocalServices();
  const checks: [string, Promise<boolean>][] = [
    ['FerretDB/MongoDB at ' + services.mongoUrl, probe(services.mongoUrl, 27017)],
    ['Redis at ' + services.redisUrl, probe(services.redisUrl, 6379)],
    ['Mosquitto at ' + services.mqttUrl, probe(services.mqttUrl, 1883)],
    ['Docker engine at ' + services.dockerSocket, probeUnixSocket(services.dockerSocket)],
  ];
  const down: string[] = [];
  for (const [name, check] of checks) {
    if (!(await check)) down.push(name);
  }
  if (down.length > 0) {
    throw new Error(
      `Integration tests need the local services, but these do not answer:\n  - ${down.join('\n  - ')}\n` +
        'Start them with: sudo bash deploy/local/provision.sh',
    );
  }
}

function probe(url: string, defaultPort: number): Promise<boolean> {
  const { host, port } = hostPortOf(url, defaultPort);
  return probePort(host, port);
}

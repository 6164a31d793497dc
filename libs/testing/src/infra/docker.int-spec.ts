import Docker from 'dockerode';
import { loadLocalServices, uniqueName } from '../index';

/** The worker's runtime driver will sit on this: a real engine running a FROM-scratch image. */
describe('Docker engine', () => {
  const services = loadLocalServices();
  const docker = new Docker({ socketPath: services.dockerSocket });

  async function runAndCollect(
    image: string,
    cmd: string[],
  ): Promise<{ code: number; out: string }> {
    const container = await docker.createContainer({
      Image: image,
      Cmd: cmd,
      name: uniqueName('canopy-infra'),
      Labels: { 'io.canopy.test': 'infra' },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const logs = await container.logs({ stdout: true, stderr: true, follow: false });
      return { code: StatusCode, out: demux(logs) };
    } finally {
      await container.remove({ force: true });
    }
  }

  it('runs the FROM-scratch busybox test image and reads its output back', async () => {
    const marker = uniqueName('hello');
    const { code, out } = await runAndCollect(services.testImage, [
      'sh',
      '-c',
      `echo ${marker}; exit 3`,
    ]);
    expect(out.trim()).toBe(marker);
    expect(code).toBe(3);
  });

  it('the image carries httpd, nc and wget for later network tests', async () => {
    const { code, out } = await runAndCollect(services.testImage, [
      'sh',
      '-c',
      'for t in httpd nc wget; do command -v $t >/dev/null && echo have-$t; done',
    ]);
    expect(code).toBe(0);
    expect(out.split('\n').filter(Boolean).sort()).toEqual(['have-httpd', 'have-nc', 'have-wget']);
  });

  // The test command always provisions the registry; a real pull is what workers will do.
  it('pulls the test image from the loopback registry', async () => {
    expect(services.registry).toBeDefined();
    const ref = `${services.registry}/canopy/busybox:test`;
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    const { out } = await runAndCollect(ref, ['echo', 'pulled']);
    expect(out.trim()).toBe('pulled');
  });
});

/** Docker multiplexes stdout/stderr of non-TTY containers in 8-byte-header frames. */
function demux(buffer: Buffer): string {
  let text = '';
  for (let at = 0; at + 8 <= buffer.length;) {
    const size = buffer.readUInt32BE(at + 4);
    text += buffer.subarray(at + 8, at + 8 + size).toString();
    at += 8 + size;
  }
  return text;
}

import type Docker from 'dockerode';

/** Runs `cmd` in a running container (tests); stdout and stderr together, trimmed. */
export async function execIn(docker: Docker, containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.demuxStream(
      stream,
      { write: (c: Buffer) => chunks.push(c) } as unknown as NodeJS.WritableStream,
      { write: (c: Buffer) => chunks.push(c) } as unknown as NodeJS.WritableStream,
    );
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  return Buffer.concat(chunks).toString('utf8').trim();
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as contracts from './index';

describe('@canopy/contracts entry point', () => {
  it('exports the main contracts', () => {
    expect(typeof contracts.validateSla).toBe('function');
    expect(typeof contracts.parsePayload).toBe('function');
    expect(contracts.MqttTopics.nodeJob('n')).toBe('nodes/n/job');
    expect(contracts.QueueName.ROOT_SCHEDULING).toBe('root-scheduling');
  });

  it('does not reach the gRPC entry point or generated code (the node engine imports it)', () => {
    const source = fs.readFileSync(path.join(__dirname, 'index.ts'), 'utf8');
    expect(source).not.toMatch(/from '\.\/(grpc|generated)/);
  });
});

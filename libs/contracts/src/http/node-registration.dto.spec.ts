import { NODE_INFO_EXAMPLE as NODE_INFO } from '../mqtt/payloads/node-info.fixtures';
import { validateDto } from '../validation/validate-dto';
import { NodeRegistrationDto, NodeRegistrationResponseDto } from './node-registration.dto';

describe('node registration', () => {
  it('accepts the node document with an optional Canopy join token', () => {
    expect(validateDto(NodeRegistrationDto, NODE_INFO, { forbidUnknown: true }).ok).toBe(true);
    expect(
      validateDto(NodeRegistrationDto, { ...NODE_INFO, join_token: 't' }, { forbidUnknown: true })
        .ok,
    ).toBe(true);
  });

  it('requires the hostname', () => {
    const { host: _host, ...withoutHost } = NODE_INFO;
    const result = validateDto(NodeRegistrationDto, withoutHost);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain('host');
  });

  it("validates the cluster's answer", () => {
    expect(
      validateDto(NodeRegistrationResponseDto, { id: 'w1', MQTT_BROKER_PORT: '10003' }).ok,
    ).toBe(true);
    const numericPort = validateDto(NodeRegistrationResponseDto, {
      id: 'w1',
      MQTT_BROKER_PORT: 10003,
    });
    expect(numericPort.ok ? [] : numericPort.errors.map((e) => e.path)).toEqual([
      'MQTT_BROKER_PORT',
    ]);
  });
});

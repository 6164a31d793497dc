import { mqttClientId } from './create-mqtt-client';

describe(mqttClientId.name, () => {
  it('keeps the prefix and adds a random suffix', () => {
    const a = mqttClientId('canopy-cluster-c1');
    const b = mqttClientId('canopy-cluster-c1');
    expect(a).toMatch(/^canopy-cluster-c1-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
});
